import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { DeploymentConfig } from '../../lambdas/contract/config-schema';

export interface ChatChannelsProps {
  /** Tiers and their endpoints (config `contacts`); tiers with `chat` get a channel. */
  readonly contacts: DeploymentConfig['contacts'];
  /** The tier topics the channels subscribe to. */
  readonly tierTopics: Readonly<Record<string, sns.ITopic>>;
  /** Prefix of the configuration names, unique per account. */
  readonly namePrefix: string;
}

/**
 * Optional chat for escalation tiers: an AWS Chatbot Slack or Microsoft Teams channel subscribed to
 * the tier's topic, so the tier's pages also land in chat. The channels only receive pages: their
 * role has no permissions (nobody runs AWS commands from the channel).
 */
export class ChatChannels extends Construct {
  readonly channels: Construct[] = [];

  constructor(scope: Construct, id: string, props: ChatChannelsProps) {
    super(scope, id);
    for (const [tier, contact] of Object.entries(props.contacts)) {
      const chat = contact.chat;
      const topic = props.tierTopics[tier];
      if (!chat || !topic) continue;
      if (chat.slackWorkspaceId && chat.slackChannelId) {
        this.channels.push(
          new chatbot.SlackChannelConfiguration(this, `Slack-${tier}`, {
            slackChannelConfigurationName: `${props.namePrefix}-${tier}`.slice(0, 128),
            slackWorkspaceId: chat.slackWorkspaceId,
            slackChannelId: chat.slackChannelId,
            notificationTopics: [topic],
            loggingLevel: chatbot.LoggingLevel.ERROR,
          }),
        );
      }
      if (chat.teamsTeamId && chat.teamsTenantId && chat.teamsChannelId) {
        const role = new iam.Role(this, `TeamsRole-${tier}`, {
          assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
        });
        this.channels.push(
          new chatbot.CfnMicrosoftTeamsChannelConfiguration(this, `Teams-${tier}`, {
            configurationName: `${props.namePrefix}-${tier}`.slice(0, 128),
            teamId: chat.teamsTeamId,
            teamsTenantId: chat.teamsTenantId,
            teamsChannelId: chat.teamsChannelId,
            iamRoleArn: role.roleArn,
            snsTopicArns: [topic.topicArn],
            loggingLevel: 'ERROR',
          }),
        );
      }
    }
  }
}
