import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/contract/config';
import { ChatChannels } from '../../../lib/constructs/chat-channels';
import { exampleInput } from '../../support/fixtures';

const TEAMS = {
  teamsTeamId: '5f2c9a53-3c8e-4b0c-9d5e-1f0a2b3c4d5e',
  teamsTenantId: '0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6',
  teamsChannelId: '19%3ab6d1e2f3a4b5c6d7e8f90a1b2c3d4e5f%40thread.tacv2',
};

const configWithChat = (chat: Record<string, Record<string, string>>) => {
  const input = exampleInput() as { contacts: Record<string, Record<string, unknown>> };
  for (const [tier, c] of Object.entries(chat)) input.contacts[tier] = { ...input.contacts[tier], chat: c };
  return parseConfig(input, 'test config');
};

const channelsIn = (chat: Record<string, Record<string, string>>) => {
  const config = configWithChat(chat);
  const stack = new Stack();
  const topics = Object.fromEntries(
    Object.keys(config.contacts).map((t) => [t, new sns.Topic(stack, `Topic-${t}`)]),
  );
  new ChatChannels(stack, 'Chat', {
    contacts: config.contacts,
    tierTopics: topics,
    namePrefix: 'IncidentResponse',
  });
  return {
    template: Template.fromStack(stack),
    topicId: (t: string) => stack.getLogicalId(topics[t]?.node.defaultChild as never),
  };
};

describe('ChatChannels', () => {
  it('subscribes a Slack channel and a Teams channel to their tiers topics, and nothing for tiers without chat', () => {
    const { template, topicId } = channelsIn({
      'on-call': { slackWorkspaceId: 'T0123456789', slackChannelId: 'C0123456789' },
      'devops-lead': TEAMS,
    });
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 1);
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      ConfigurationName: 'IncidentResponse-on-call',
      SlackWorkspaceId: 'T0123456789',
      SlackChannelId: 'C0123456789',
      SnsTopicArns: [{ Ref: Match.stringLikeRegexp(`^${topicId('on-call').replace(/[^A-Za-z0-9]/g, '')}`) }],
    });
    template.resourceCountIs('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', 1);
    template.hasResourceProperties('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', {
      ConfigurationName: 'IncidentResponse-devops-lead',
      TeamId: TEAMS.teamsTeamId,
      TeamsTenantId: TEAMS.teamsTenantId,
      TeamsChannelId: TEAMS.teamsChannelId,
    });
  });

  it('gives the channels roles with no permissions: chat only receives pages', () => {
    const { template } = channelsIn({
      'on-call': { slackWorkspaceId: 'T0123456789', slackChannelId: 'C0123456789' },
      'devops-lead': TEAMS,
    });
    expect(Object.keys(template.findResources('AWS::IAM::Policy'))).toEqual([]);
    for (const role of Object.values(template.findResources('AWS::IAM::Role')) as Array<{
      Properties: Record<string, unknown>;
    }>) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
    }
  });

  it.each([
    [
      { slackChannelId: 'C0123456789' },
      /contacts\.on-call\.chat\.slackWorkspaceId: Slack needs both slackWorkspaceId and slackChannelId/,
    ],
    [
      { teamsChannelId: 'x' },
      /contacts\.on-call\.chat\.teamsChannelId: Teams needs teamsTeamId, teamsTenantId and teamsChannelId/,
    ],
    [
      { slackWorkspaceId: 'general', slackChannelId: 'C0123456789' },
      /slackWorkspaceId: must be a Slack workspace ID/,
    ],
  ])('a half-configured chat is named in the config error: %j', (chat, message) => {
    expect(() => configWithChat({ 'on-call': chat })).toThrow(message);
  });
});
