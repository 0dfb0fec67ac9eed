import { readFileSync } from 'node:fs';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { AlarmIntake, type AlarmIntakeProps } from '../../../lib/constructs/alarm-intake';
import { appTemplate } from '../../support/app-template';
import { exampleInput } from '../../support/fixtures';
import { stubFunction, stubStateMachine, withSharedDefault, withTemplate } from '../../support/stacks';
import { logicalIdOf, onlyIdOf, tokensToText } from '../../support/template';

const TEAM_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:team-alarms';

const intakeIn = (props: Partial<AlarmIntakeProps> = {}) => {
  const stack = new Stack();
  const stateMachine = stubStateMachine(stack, 'Workflow');
  const ingest = stubFunction(stack, 'Ingest');
  new AlarmIntake(stack, 'AlarmIntake', { stateMachine, ingestFunction: ingest, ...props });
  return { stack, stateMachine, ingest };
};

const synth = withSharedDefault((props: Partial<AlarmIntakeProps> = {}) => withTemplate(intakeIn(props)));

/** The pattern of the alarm rule (the ECS events rule, when there is one, is the other). */
const eventPatternOf = (template: Template) => {
  const rules = Object.values(template.findResources('AWS::Events::Rule')) as Json[];
  const alarm = rules.filter((r) => r.Properties.EventPattern.source[0] === 'aws.cloudwatch');
  if (alarm.length !== 1) throw new Error(`Expected one alarm rule, found ${alarm.length}`);
  return alarm[0].Properties.EventPattern;
};

// biome-ignore lint/suspicious/noExplicitAny: event and pattern JSON, read freely
type Json = any;

/**
 * EventBridge's matching for the operators the rule uses, as its user guide states them: every field
 * of the pattern must match (AND), any value of a field's list may (OR), an event array matches when
 * any of its values does. `{Ref}` and `Fn::Join` in the pattern are read with `tokens`.
 */
const matches = (pattern: Json, event: Json, tokens: Record<string, string>): boolean =>
  Object.entries(pattern).every(([key, rule]) => {
    if (key === '$or') return (rule as Json[]).some((clause) => matches(clause, event, tokens));
    const value = event?.[key];
    // An array of objects in the event is matched element by element (EventBridge flattens it).
    if (!Array.isArray(rule) && Array.isArray(value)) return value.some((v) => matches(rule, v, tokens));
    if (!Array.isArray(rule)) return matches(rule, value, tokens);
    const text = (v: Json) =>
      Object.entries(tokens).reduce((t, [ref, real]) => t.replaceAll(`<Ref:${ref}>`, real), tokensToText(v));
    const one = (v: Json) =>
      rule.some((r: Json) => {
        if (typeof r === 'string') return v === r;
        if (r['Fn::Join'] !== undefined) return v === text(r);
        if (r.prefix !== undefined) return typeof v === 'string' && v.startsWith(text(r.prefix));
        if (r.exists === true) return v !== undefined;
        if (r.wildcard !== undefined)
          return new RegExp(
            `^${r.wildcard
              .split('*')
              .map((p: string) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
              .join('.*')}$`,
          ).test(v);
        const but = r['anything-but'];
        if (but?.prefix !== undefined) return typeof v === 'string' && !v.startsWith(text(but.prefix));
        throw new Error(`matcher not modelled: ${JSON.stringify(r)}`);
      });
    if (rule.some((r: Json) => r?.exists === true)) return value !== undefined;
    return Array.isArray(value) ? value.some(one) : value !== undefined && one(value);
  });

const SAMPLE = JSON.parse(
  readFileSync(
    new URL('../../events/eventbridge/metric-alarm-state-change-aws-docs.json', import.meta.url),
    'utf8',
  ),
);
/** The AWS sample event (us-east-1, 123456789012) for the alarm `name`. */
const stateChange = (name: string) => {
  const event = structuredClone(SAMPLE);
  event.detail.alarmName = name;
  event.resources = [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`];
  return event;
};
const SAMPLE_ACCOUNT = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
};

describe('AlarmIntake rule', () => {
  it('matches every CloudWatch alarm going to ALARM or back to OK', () => {
    const { template } = synth();

    expect(eventPatternOf(template)).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { state: { value: ['ALARM', 'OK'] } },
    });
  });

  it('matches exactly the named alarms when given names', () => {
    const { template } = synth({ alarmNames: ['checkout-cpu', 'payments-api-5xx-rate'] });

    expect(eventPatternOf(template).detail).toEqual({
      state: { value: ['ALARM', 'OK'] },
      alarmName: ['checkout-cpu', 'payments-api-5xx-rate'],
    });
  });

  it('leaves out one alarm-name prefix with anything-but on detail.alarmName', () => {
    const { template } = synth({ ignoredAlarmNamePrefixes: ['TargetTracking-'] });

    expect(eventPatternOf(template)).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: {
        state: { value: ['ALARM', 'OK'] },
        alarmName: [{ 'anything-but': { prefix: 'TargetTracking-' } }],
      },
    });
  });

  it('leaves out a second prefix on the alarm ARN in resources, so both must hold (AND, not OR)', () => {
    const { template } = synth({ ignoredAlarmNamePrefixes: ['TargetTracking-', 'Default-operator-'] });
    const pattern = eventPatternOf(template);

    expect(pattern.detail.alarmName).toEqual([{ 'anything-but': { prefix: 'TargetTracking-' } }]);
    expect(pattern.resources.map((r: Json) => tokensToText(r['anything-but'].prefix))).toEqual([
      'arn:<Ref:AWS::Partition>:cloudwatch:<Ref:AWS::Region>:<Ref:AWS::AccountId>:alarm:Default-operator-',
    ]);
    expect(matches(pattern, stateChange('checkout-cpu'), SAMPLE_ACCOUNT)).toBe(true);
    expect(
      matches(pattern, stateChange('TargetTracking-service/prod/checkout-AlarmLow-1a2b'), SAMPLE_ACCOUNT),
    ).toBe(false);
    expect(matches(pattern, stateChange('Default-operator-DeadLetters'), SAMPLE_ACCOUNT)).toBe(false);
  });

  it('refuses more than two prefixes, and prefixes beside alarm names', () => {
    expect(() => intakeIn({ ignoredAlarmNamePrefixes: ['a-', 'b-', 'c-'] })).toThrow(
      /at most two ignoredAlarmNamePrefixes/,
    );
    expect(() => intakeIn({ alarmNames: ['checkout-cpu'], ignoredAlarmNamePrefixes: ['a-'] })).toThrow(
      /alarmNames already leave every other alarm out/,
    );
  });

  it('matches the named alarms or any routed alarm when routing rules open incidents ($or on detail)', () => {
    const routed = [
      { alarmName: [{ prefix: 'rds-' }] },
      {
        configuration: {
          metrics: { metricStat: { metric: { namespace: ['AWS/EC2'], name: ['NetworkOut'] } } },
        },
      },
      {
        configuration: {
          metrics: { metricStat: { metric: { dimensions: { InstanceId: [{ exists: true }] } } } },
        },
      },
    ];
    const { template } = synth({ alarmNames: ['checkout-cpu'], routedAlarms: routed });
    const pattern = eventPatternOf(template);

    expect(pattern.detail).toEqual({
      state: { value: ['ALARM', 'OK'] },
      $or: [{ alarmName: ['checkout-cpu'] }, ...routed],
    });
    const noMetrics = (name: string) => {
      const event = stateChange(name);
      event.detail.configuration.metrics = [];
      return event;
    };
    expect(matches(pattern, noMetrics('checkout-cpu'), SAMPLE_ACCOUNT)).toBe(true);
    expect(matches(pattern, noMetrics('rds-orders-cpu'), SAMPLE_ACCOUNT)).toBe(true);
    expect(matches(pattern, noMetrics('queue-depth'), SAMPLE_ACCOUNT)).toBe(false);
    // The AWS sample is an AWS/EC2 CPUUtilization alarm with an InstanceId dimension.
    expect(matches(pattern, stateChange('ServerCpuTooHigh'), SAMPLE_ACCOUNT)).toBe(true);
  });

  it('starts the workflow on the ECS trouble events of the watched services only', () => {
    const { template } = synth({ ecsServices: [{ cluster: 'default', service: 'servicetest' }] });
    const rules = template.findResources('AWS::Events::Rule');
    const ecsRule = Object.values(rules).find(
      (r: Json) => r.Properties.EventPattern.source[0] === 'aws.ecs',
    ) as Json;
    const pattern = ecsRule.Properties.EventPattern;
    const ecs = (name: string) =>
      JSON.parse(readFileSync(new URL(`../../events/ecs/${name}`, import.meta.url), 'utf8'));
    // The ECS guide's samples are of us-west-2, account 111122223333.
    const account = { 'AWS::Partition': 'aws', 'AWS::Region': 'us-west-2', 'AWS::AccountId': '111122223333' };

    expect(pattern.source).toEqual(['aws.ecs']);
    for (const yes of [
      'deployment-failed-circuit-breaker-aws-docs.json',
      'deployment-in-progress-rollback-aws-docs.json',
      'service-action-task-start-impaired-aws-docs.json',
    ])
      expect(matches(pattern, ecs(yes), account), yes).toBe(true);
    for (const no of [
      'deployment-in-progress-initial-aws-docs.json',
      'deployment-completed-aws-docs.json',
      'service-action-steady-state-aws-docs.json',
    ])
      expect(matches(pattern, ecs(no), account), no).toBe(false);
    const elsewhere = ecs('deployment-failed-circuit-breaker-aws-docs.json');
    elsewhere.resources = ['arn:aws:ecs:us-west-2:111122223333:service/default/other'];
    expect(matches(pattern, elsewhere, account)).toBe(false);
    expect(ecsRule.Properties.Targets[0].DeadLetterConfig).toBeDefined();
  });

  it('refuses an empty list of alarm names, which would never start the workflow', () => {
    expect(() => intakeIn({ alarmNames: [] })).toThrow(/alarmNames is empty/);
  });

  it('starts the state machine, retrying for a day before the dead-letter queue', () => {
    const { template, stateMachine } = synth();
    const queue = onlyIdOf(template, 'AWS::SQS::Queue');

    template.hasResourceProperties('AWS::Events::Rule', {
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { Ref: logicalIdOf(stateMachine) },
          RoleArn: Match.anyValue(),
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queue, 'Arn'] } },
          RetryPolicy: { MaximumEventAgeInSeconds: 24 * 3600, MaximumRetryAttempts: 185 },
        }),
      ],
    });
  });

  it('takes a shorter maximum event age when given one', () => {
    const { template } = synth({ maxEventAge: Duration.hours(2) });

    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ RetryPolicy: Match.objectLike({ MaximumEventAgeInSeconds: 7200 }) })],
    });
  });

  it('lets only its own rule start executions through the events role', () => {
    const { template, stateMachine } = synth();

    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: logicalIdOf(stateMachine) } },
        ],
      },
    });
  });
});

describe('AlarmIntake dead-letter queue', () => {
  it('is encrypted, keeps messages 14 days, and refuses anything but TLS', () => {
    const { template } = synth();
    const queue = onlyIdOf(template, 'AWS::SQS::Queue');

    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queue }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'sqs:*',
            Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ]),
      },
    });
  });

  it('accepts undeliverable events from its rule only', () => {
    const { template } = synth();
    const queue = onlyIdOf(template, 'AWS::SQS::Queue');

    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
            Condition: {
              ArnEquals: {
                'aws:SourceArn': { 'Fn::GetAtt': [onlyIdOf(template, 'AWS::Events::Rule'), 'Arn'] },
              },
            },
          }),
        ]),
      },
    });
  });
});

describe('AlarmIntake ingest function', () => {
  it('may be invoked by CloudWatch alarm actions of this account', () => {
    const { template, ingest } = synth();

    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [logicalIdOf(ingest), 'Arn'] },
      Principal: 'lambda.alarms.cloudwatch.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
  });

  it('subscribes to no SNS topic unless given some', () => {
    synth().template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('subscribes to each existing alarm topic, with the dead-letter queue for failed deliveries', () => {
    const { template, ingest } = synth({ alarmTopicArns: [TEAM_TOPIC] });
    const queue = onlyIdOf(template, 'AWS::SQS::Queue');

    template.resourceCountIs('AWS::SNS::Subscription', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: TEAM_TOPIC,
      Endpoint: { 'Fn::GetAtt': [logicalIdOf(ingest), 'Arn'] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [queue, 'Arn'] } },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'sns.amazonaws.com',
      SourceArn: TEAM_TOPIC,
      FunctionName: { 'Fn::GetAtt': [logicalIdOf(ingest), 'Arn'] },
    });
  });
});

describe('AlarmIntake in the stack', () => {
  it('leaves out target-tracking and its own operator alarms by default when unmapped alarms open incidents', () => {
    const pattern = eventPatternOf(appTemplate());

    expect(pattern.detail.alarmName).toEqual([{ 'anything-but': { prefix: 'TargetTracking-' } }]);
    expect(pattern.resources.map((r: Json) => tokensToText(r['anything-but'].prefix))).toEqual([
      'arn:<Ref:AWS::Partition>:cloudwatch:<Ref:AWS::Region>:<Ref:AWS::AccountId>:alarm:IncidentResponse-operator-',
    ]);
    for (const [name, opens] of [
      ['checkout-cpu', true],
      ['some-team-alarm', true],
      ['TargetTracking-service/prod/checkout-AlarmHigh-5e1b8c4f', false],
      ['IncidentResponse-operator-ExecutionsFailed', false],
    ] as const) {
      expect(matches(pattern, stateChange(name), SAMPLE_ACCOUNT), name).toBe(opens);
    }
  });

  it('matches every alarm when the default route opens and both families are let through', () => {
    const pattern = eventPatternOf(
      appTemplate({
        ...exampleInput(),
        routing: { default: { action: 'open' }, ignoreTargetTracking: false, ignoreOperatorAlarms: false },
      }),
    );

    expect(pattern.detail).not.toHaveProperty('alarmName');
    expect(pattern).not.toHaveProperty('resources');
  });

  it('leaves out only the operator alarms, by name, when target tracking is let through', () => {
    const pattern = eventPatternOf(
      appTemplate({
        ...exampleInput(),
        routing: { default: { action: 'open' }, ignoreTargetTracking: false },
      }),
    );

    expect(pattern.detail.alarmName).toEqual([{ 'anything-but': { prefix: 'IncidentResponse-operator-' } }]);
    expect(pattern).not.toHaveProperty('resources');
  });

  it('matches exactly the configured alarm names when the default route ignores and no rule opens', () => {
    const template = appTemplate({ ...exampleInput(), routing: { default: { action: 'ignore' } } });

    expect(eventPatternOf(template).detail.alarmName).toEqual([
      'checkout-error-rate',
      'checkout-p95-latency',
      'checkout-tasks-below-desired',
      'checkout-cpu',
      'checkout-memory',
      'payments-api-5xx-rate',
      'payments-tasks-below-desired',
    ]);
  });

  it('subscribes the ingest function to the alarm topics in the config', () => {
    const template = appTemplate({ ...exampleInput(), intake: { alarmTopicArns: [TEAM_TOPIC] } });
    const ingest = onlyIdOf(template, 'AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ INCIDENT_HANDLER: 'ingest' }) },
    });

    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: TEAM_TOPIC,
      Endpoint: { 'Fn::GetAtt': [ingest, 'Arn'] },
    });
  });
});
