import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { parseConfig } from '../../lambdas/contract/config';
import { composeApp } from '../../lib/app';

export const EXAMPLE_CONFIG_PATH = new URL('../../config/example.json', import.meta.url).pathname;

/** A fresh copy of the shipped example config, as raw JSON, for tests to alter. */
export const exampleInput = (): Record<string, unknown> =>
  JSON.parse(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8'));

/** The least a valid config needs: one service with one alarm, and the tiers the default escalation names. */
export const minimalInput = (): Record<string, unknown> => ({
  services: [
    {
      name: 'checkout',
      cluster: 'prod',
      service: 'checkout',
      logGroup: '/ecs/prod/checkout',
      runbookUrl: 'https://runbooks.example.com/checkout',
      loadBalancer: {
        loadBalancer: 'app/prod-public/50dc6c495c0c9188',
        targetGroup: 'targetgroup/checkout/73e2d6bc24d8a067',
      },
      alarms: { errorRate: { threshold: 10, severity: 'P2' } },
    },
  ],
  routing: { default: { action: 'open', severity: 'P3' } },
  contacts: {
    'on-call': { email: ['oncall@example.com'] },
    'devops-lead': { email: ['devops-lead@example.com'] },
    'engineering-manager': { sms: ['+15555550102'] },
  },
});

/** The app as `bin/app.ts` builds it, from raw config, with bundling skipped. */
export const composeTestApp = (input: unknown = exampleInput()) => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = composeApp(app, parseConfig(input, 'test config'));
  return { app, stack };
};

/** The example config's ECS services, plus routing rules for the alarms in test/events (AWS's own samples). */
export const routedInput = (): Record<string, unknown> => ({
  ...exampleInput(),
  otherServices: [
    { name: 'fleet', description: 'the EC2 fleet', runbookUrl: 'https://runbooks.example.com/fleet' },
    { name: 'lambda-platform' },
    { name: 'edge' },
  ],
  routing: {
    rules: [
      { id: 'noisy-anomaly', match: { alarmName: { glob: '*Anomaly' } }, action: 'ignore' },
      {
        id: 'ec2-network',
        match: { namespace: 'AWS/EC2', metricName: 'NetworkOut' },
        service: 'fleet',
        severity: 'P2',
      },
      {
        id: 'ec2-any',
        match: { namespace: 'AWS/EC2', dimensions: { InstanceId: { exists: true } } },
        service: 'fleet',
        severity: 'P3',
      },
      {
        id: 'lambda',
        match: { namespace: 'AWS/Lambda', region: 'eu-west-1' },
        service: 'lambda-platform',
        severity: 'P2',
      },
      {
        id: 'composites',
        match: { alarmName: { regex: '^(Service|Composite)' } },
        service: 'edge',
        severity: 'P1',
      },
      { id: 'other-account', match: { account: '444455556666' }, action: 'ignore' },
    ],
    default: { action: 'open', severity: 'P4', runbookUrl: 'https://runbooks.example.com/triage' },
  },
});
