import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lambdas/domain/errors';
import {
  type AlarmStateChange,
  type ParsedAlarmEvent,
  parseAlarmEvent,
} from '../../../lambdas/intake/alarm-event';

const EVENTS = new URL('../../events/', import.meta.url);
const SAMPLE_DIRS = ['eventbridge', 'lambda-action', 'sns', 'composite'] as const;

type Sample = Record<string, unknown>;
/** A fresh copy each time, so a test may change it. */
const load = (path: string): Sample => JSON.parse(readFileSync(new URL(path, EVENTS), 'utf8')) as Sample;

const rec = (value: unknown): Record<string, unknown> => value as Record<string, unknown>;

const parseOne = (input: unknown): ParsedAlarmEvent => {
  const results = parseAlarmEvent(input);
  expect(results).toHaveLength(1);
  return results[0] as ParsedAlarmEvent;
};

const changeOf = (input: unknown): AlarmStateChange => {
  const result = parseOne(input);
  if (result.kind !== 'state-change')
    throw new Error(`expected a state change, got ${JSON.stringify(result)}`);
  return result.change;
};

const validationErrorOf = (input: unknown): ValidationError => {
  try {
    parseAlarmEvent(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error(`expected a ValidationError for ${JSON.stringify(input)}`);
};

const pathsOf = (error: ValidationError): string[] => error.problems.map((p) => p.path);

type Expected =
  | {
      kind: 'state-change';
      change: Omit<AlarmStateChange, 'reason' | 'metrics'> & { metrics?: AlarmStateChange['metrics'] };
    }
  | { kind: 'ignored'; reason: string }
  | { kind: 'rejected'; path: string; message: string };

// Every file under test/events, with what the parser must make of it.
const samples: Record<string, Expected> = {
  'eventbridge/metric-alarm-state-change-aws-docs.json': {
    kind: 'state-change',
    change: {
      shape: 'eventbridge',
      alarmName: 'ServerCpuTooHigh',
      alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh',
      account: '123456789012',
      region: 'us-east-1',
      state: 'ALARM',
      previousState: 'OK',
      at: '2019-10-02T17:04:40.989Z',
      composite: false,
      dimensions: { InstanceId: 'i-12345678901234567' },
      metrics: [{ namespace: 'AWS/EC2', name: 'CPUUtilization' }],
      eventId: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    },
  },
  'eventbridge/metric-math-alarm-state-change-aws-docs.json': {
    kind: 'state-change',
    change: {
      shape: 'eventbridge',
      alarmName: 'TotalNetworkTrafficTooHigh',
      alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:TotalNetworkTrafficTooHigh',
      account: '123456789012',
      region: 'us-east-1',
      state: 'ALARM',
      previousState: 'INSUFFICIENT_DATA',
      at: '2019-10-02T17:20:48.554Z',
      composite: false,
      dimensions: { InstanceId: 'i-12345678901234567' },
      metrics: [
        { expression: 'SUM(METRICS())' },
        { namespace: 'AWS/EC2', name: 'NetworkIn' },
        { namespace: 'AWS/EC2', name: 'NetworkOut' },
      ],
      eventId: '2dde0eb1-528b-d2d5-9ca6-6d590caf2329',
    },
  },
  'eventbridge/anomaly-detection-alarm-state-change-aws-docs.json': {
    kind: 'state-change',
    change: {
      shape: 'eventbridge',
      alarmName: 'EC2 CPU Utilization Anomaly',
      // the spaces belong to the alarm name and stay
      alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:EC2 CPU Utilization Anomaly',
      account: '123456789012',
      region: 'us-east-1',
      state: 'ALARM',
      previousState: 'OK',
      at: '2019-10-03T16:00:04.653Z',
      composite: false,
      dimensions: { InstanceId: 'i-12345678901234567' },
      metrics: [
        { namespace: 'AWS/EC2', name: 'CPUUtilization' },
        { expression: 'ANOMALY_DETECTION_BAND(m1, 0.8)' },
      ],
      eventId: 'daafc9f1-bddd-c6c9-83af-74971fcfc4ef',
    },
  },
  'eventbridge/composite-alarm-with-suppressor-state-change-aws-docs.json': {
    kind: 'state-change',
    change: {
      shape: 'eventbridge',
      alarmName: 'ServiceAggregatedAlarm',
      alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServiceAggregatedAlarm',
      account: '123456789012',
      region: 'us-east-1',
      state: 'ALARM',
      previousState: 'OK',
      at: '2022-07-22T15:57:45.394Z',
      composite: true,
      dimensions: {},
      metrics: [],
      eventId: 'd3dfc86d-384d-24c8-0345-9f7986db0b80',
    },
  },
  'eventbridge/configuration-change-composite-create-aws-docs.json': {
    kind: 'ignored',
    reason: 'CloudWatch Alarm Configuration Change',
  },
  'eventbridge/configuration-change-metric-alarm-update-aws-docs.json': {
    kind: 'ignored',
    reason: 'CloudWatch Alarm Configuration Change',
  },
  // its detail.state.value is ALARM: the detail-type decides, not the state
  'eventbridge/configuration-change-composite-delete-aws-docs.json': {
    kind: 'ignored',
    reason: 'CloudWatch Alarm Configuration Change',
  },
  'lambda-action/lambda-action-metric-alarm-docs-artifact-rust.json': {
    kind: 'state-change',
    change: {
      shape: 'lambda-alarm-action',
      alarmName: 'lambda-demo-metric-alarm',
      // the docs artefact's space after "us-east-1:" is dropped
      alarmArn: 'arn:aws:cloudwatch:us-east-1:444455556666:alarm:lambda-demo-metric-alarm',
      account: '444455556666',
      region: 'us-east-1',
      state: 'ALARM',
      previousState: 'INSUFFICIENT_DATA',
      at: '2023-08-04T12:36:15.490Z',
      composite: false,
      dimensions: { InstanceId: 'i-12345678' },
      metrics: [{ namespace: 'AWS/Logs', name: 'CallCount' }],
    },
  },
  'lambda-action/lambda-action-metric-math-alarm-powertools.json': {
    kind: 'state-change',
    change: {
      shape: 'lambda-alarm-action',
      alarmName: 'Test alert',
      alarmArn: 'arn:aws:cloudwatch:eu-west-1:912397435824:alarm:test_alarm',
      account: '123456789012',
      region: 'eu-west-1',
      state: 'ALARM',
      previousState: 'OK',
      at: '2024-02-17T11:53:08.431Z',
      composite: false,
      dimensions: {},
      metrics: [
        { expression: 'm1/m2' },
        { namespace: 'AWS/Lambda', name: 'Invocations' },
        { namespace: 'AWS/Lambda', name: 'Duration' },
      ],
    },
  },
  'sns/lambda-sns-record-single-metric-aws-lambda-go.json': {
    kind: 'state-change',
    change: {
      shape: 'sns',
      alarmName: 'EXAMPLE',
      alarmArn: 'arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE',
      account: '123456789012',
      region: 'EXAMPLE',
      state: 'ALARM',
      previousState: 'INSUFFICIENT_DATA',
      at: '2015-06-03T17:43:27.123Z',
      composite: false,
      dimensions: { InstanceId: 'TestInstance' },
      metrics: [{ namespace: 'AWS/EC2', name: 'NetworkOut' }],
      eventId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
    },
  },
  'sns/lambda-sns-record-metric-math-aws-lambda-go.json': {
    kind: 'state-change',
    change: {
      shape: 'sns',
      alarmName: 'EXAMPLE',
      alarmArn: 'arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE',
      account: 'EXAMPLE',
      region: 'EXAMPLE',
      state: 'ALARM',
      previousState: 'INSUFFICIENT_DATA',
      at: '2015-06-03T17:43:27.123Z',
      composite: false,
      dimensions: { InstanceId: 'TestInstance' },
      metrics: [{ expression: 'm1*1' }, { namespace: 'AWS/EC2', name: 'NetworkOut' }],
      eventId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
    },
  },
  'composite/lambda-action-composite-alarm-powertools.json': {
    kind: 'state-change',
    change: {
      shape: 'lambda-alarm-action',
      alarmName: 'CompositeDemo.Main',
      alarmArn: 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:SuppressionDemo.Main',
      account: '111122223333',
      region: 'us-east-1',
      state: 'ALARM',
      previousState: 'ALARM',
      at: '2023-08-04T12:56:46.138Z',
      composite: true,
      dimensions: {},
      metrics: [],
    },
  },
  'composite/noncanonical-eventbridge-envelope-with-alarmData-rust.json': {
    kind: 'rejected',
    path: 'detail',
    message: 'looks like an EventBridge envelope but lacks `detail`',
  },
};

describe('parseAlarmEvent on the sample events', () => {
  it('has an expectation for every file under test/events', () => {
    const files = SAMPLE_DIRS.flatMap((dir) =>
      readdirSync(new URL(`${dir}/`, EVENTS))
        .filter((name) => name.endsWith('.json'))
        .map((name) => `${dir}/${name}`),
    );
    expect(files.sort()).toEqual(Object.keys(samples).sort());
  });

  it.each(Object.entries(samples))('%s', (file, expected) => {
    const input = load(file);
    if (expected.kind === 'rejected') {
      const error = validationErrorOf(input);
      expect(pathsOf(error)).toEqual([expected.path]);
      expect(error.message).toContain(expected.message);
      return;
    }
    const result = parseOne(input);
    if (expected.kind === 'ignored') {
      expect(result.kind).toBe('ignored');
      expect(result.kind === 'ignored' && result.reason).toContain(expected.reason);
      return;
    }
    if (result.kind !== 'state-change') throw new Error(`expected a state change, got ${result.reason}`);
    const { reason, ...change } = result.change;
    // toEqual, not toMatchObject: an extra or missing field (or dimension) fails the test
    expect(change).toEqual(expected.change);
    expect(reason.length).toBeGreaterThan(0);
  });
});

describe('state values', () => {
  it('ignores a change to INSUFFICIENT_DATA, in every shape', () => {
    const eventBridge = load('eventbridge/metric-alarm-state-change-aws-docs.json');
    rec(rec(eventBridge.detail).state).value = 'INSUFFICIENT_DATA';
    const action = load('lambda-action/lambda-action-metric-math-alarm-powertools.json');
    rec(rec(action.alarmData).state).value = 'INSUFFICIENT_DATA';
    const sns = snsMessage('sns/lambda-sns-record-single-metric-aws-lambda-go.json');
    sns.NewStateValue = 'INSUFFICIENT_DATA';

    for (const input of [eventBridge, action, sns]) {
      const result = parseOne(input);
      expect(result).toEqual({ kind: 'ignored', reason: expect.stringContaining('INSUFFICIENT_DATA') });
      expect(result.kind === 'ignored' && result.reason).toContain('is not an incident signal');
    }
  });

  it('keeps a return to OK as a state change', () => {
    const event = load('eventbridge/metric-alarm-state-change-aws-docs.json');
    rec(rec(event.detail).state).value = 'OK';
    rec(rec(event.detail).previousState).value = 'ALARM';
    expect(changeOf(event)).toMatchObject({ state: 'OK', previousState: 'ALARM' });
  });
});

describe('EventBridge events that are not alarm state changes', () => {
  it('ignores another aws.cloudwatch detail-type and names it', () => {
    const event = load('eventbridge/metric-alarm-state-change-aws-docs.json');
    event['detail-type'] = 'CloudWatch Alarm Contributor State Change';
    expect(parseAlarmEvent(event)).toEqual([
      { kind: 'ignored', reason: expect.stringContaining('CloudWatch Alarm Contributor State Change') },
    ]);
  });

  it('rejects an event from another source', () => {
    const event = load('eventbridge/metric-alarm-state-change-aws-docs.json');
    event.source = 'aws.ecs';
    event['detail-type'] = 'ECS Task State Change';
    const error = validationErrorOf(event);
    expect(pathsOf(error)).toEqual(['source']);
    expect(error.message).toContain('aws.ecs');
  });
});

/** The alarm notification inside the sample's first SNS record, as an object. */
const snsMessage = (file: string): Sample => JSON.parse(snsRecord(file).Message as string) as Sample;
const snsRecord = (file: string): Sample => {
  const records = load(file).Records as Array<{ Sns: Sample }>;
  return (records[0] as { Sns: Sample }).Sns;
};

describe('SNS notifications', () => {
  const file = 'sns/lambda-sns-record-single-metric-aws-lambda-go.json';
  const fromLambdaEvent = (): AlarmStateChange => changeOf(load(file));

  it('reads the notification alone, as a string or as an object', () => {
    const { eventId: _, ...expected } = fromLambdaEvent();
    const message = snsRecord(file).Message as string;
    expect(changeOf(message)).toEqual(expected);
    expect(changeOf(JSON.parse(message))).toEqual(expected);
  });

  it('reads the SNS envelope (HTTP or SQS delivery), keeping the message id', () => {
    expect(changeOf(snsRecord(file))).toEqual(fromLambdaEvent());
  });

  it('returns one result per record of a Lambda SNS event, in order', () => {
    const single = load(file);
    const math = load('sns/lambda-sns-record-metric-math-aws-lambda-go.json');
    const mathRecord = rec((math.Records as unknown[])[0]);
    rec(mathRecord.Sns).MessageId = 'second-message';
    const event = { Records: [...(single.Records as unknown[]), mathRecord] };

    const results = parseAlarmEvent(event);
    expect(results).toHaveLength(2);
    expect(results.map((r) => r.kind === 'state-change' && r.change.eventId)).toEqual([
      '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
      'second-message',
    ]);
    expect(results.map((r) => r.kind === 'state-change' && r.change.metrics.length)).toEqual([1, 2]);
  });

  it('takes the region code from the alarm ARN, since SNS writes a display name', () => {
    const message = snsMessage(file);
    message.AlarmArn = 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-5xx';
    message.Region = 'EU (Ireland)';
    delete message.AWSAccountId;
    expect(changeOf(message)).toMatchObject({ region: 'eu-west-1', account: '123456789012' });
  });

  it('reads a composite alarm notification, which has an AlarmRule and no Trigger', () => {
    // Built from the sample: no published composite SNS notification was found (see SOURCES.md).
    const message = snsMessage(file);
    delete message.Trigger;
    message.AlarmRule = 'ALARM(checkout-5xx) OR ALARM(checkout-latency)';
    message.TriggeringChildren = [{ Arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-5xx' }];
    expect(changeOf(message)).toMatchObject({ composite: true, dimensions: {}, metrics: [] });
  });
});

describe('dimensions', () => {
  it('collects the dimensions of every metric and leaves out one whose values disagree', () => {
    const event = load('eventbridge/metric-math-alarm-state-change-aws-docs.json');
    const metrics = rec(rec(event.detail).configuration).metrics as Array<Record<string, unknown>>;
    const dimensionsOf = (i: number) => rec(rec(rec(metrics[i]).metricStat).metric);
    dimensionsOf(1).dimensions = { ClusterName: 'prod', ServiceName: 'checkout', InstanceId: 'i-1' };
    dimensionsOf(2).dimensions = { ClusterName: 'prod', InstanceId: 'i-2' };
    expect(changeOf(event).dimensions).toEqual({ ClusterName: 'prod', ServiceName: 'checkout' });
  });
});

describe('timestamps', () => {
  const withTimestamp = (timestamp: string): Sample => {
    const event = load('eventbridge/metric-alarm-state-change-aws-docs.json');
    rec(rec(event.detail).state).timestamp = timestamp;
    return event;
  };

  it.each([
    ['2019-10-02T17:04:40.989+0000', '2019-10-02T17:04:40.989Z'],
    ['2019-10-02T17:04:40.989+02:00', '2019-10-02T15:04:40.989Z'],
    ['2019-10-02T01:04:40.989-0130', '2019-10-02T02:34:40.989Z'],
    ['2019-10-02T17:04:40Z', '2019-10-02T17:04:40.000Z'],
    ['2019-10-02T17:04:40.98765Z', '2019-10-02T17:04:40.987Z'],
    ['2019-12-31T23:30:00.000-0100', '2020-01-01T00:30:00.000Z'],
    [' 2019-10-02T17: 04: 40.989 +0000 ', '2019-10-02T17:04:40.989Z'],
  ])('reads %j as %s', (timestamp, iso) => {
    expect(changeOf(withTimestamp(timestamp)).at).toBe(iso);
  });

  it.each([
    '',
    'yesterday',
    '2019-10-02T17:04:40', // no offset: which zone?
    '2019-10-02 17:04:40Z',
    '2019-02-30T00:00:00Z',
    '2019-13-01T00:00:00Z',
    '2019-10-02T24:00:00Z',
    '2019-10-02T17:60:00Z',
    '1570035880989',
  ])('refuses %j, naming detail.state.timestamp', (timestamp) => {
    const error = validationErrorOf(withTimestamp(timestamp));
    expect(pathsOf(error)).toEqual(['detail.state.timestamp']);
    expect(error.message).toContain('ISO-8601');
  });
});

describe('malformed input', () => {
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['an array', []],
    ['a string that is not JSON', 'garbage'],
    ['a JSON string holding no object', '"garbage"'],
    ['an empty object', {}],
    ['an unrelated object', { hello: 'world' }],
  ])('rejects %s, saying which shapes are accepted', (_, input) => {
    const error = validationErrorOf(input);
    expect(error.name).toBe('ValidationError');
    expect(pathsOf(error)).toEqual(['']);
    expect(error.message).toContain('CloudWatch Alarm State Change');
    expect(error.message).toContain('SNS');
    expect(error.message).toContain('alarmData');
  });

  it('names detail.state.value when an EventBridge alarm event lacks it', () => {
    const event = load('eventbridge/metric-alarm-state-change-aws-docs.json');
    delete rec(rec(event.detail).state).value;
    const error = validationErrorOf(event);
    expect(pathsOf(error)).toEqual(['detail.state.value']);
    expect(error.message).toContain('detail.state.value');
  });

  it('names every bad field at once', () => {
    const event = load('eventbridge/metric-alarm-state-change-aws-docs.json');
    const detail = rec(event.detail);
    delete detail.alarmName;
    rec(detail.state).value = 'BROKEN';
    rec(detail.previousState).value = 'ALSO BROKEN';
    delete event.source;
    expect(pathsOf(validationErrorOf(event)).sort()).toEqual([
      'detail.alarmName',
      'detail.previousState.value',
      'detail.state.value',
      'source',
    ]);
  });

  it('names the field inside an alarm-action payload', () => {
    const action = load('composite/lambda-action-composite-alarm-powertools.json');
    rec(rec(action.alarmData).state).timestamp = 'yesterday';
    action.source = 'aws.ecs';
    expect(pathsOf(validationErrorOf(action)).sort()).toEqual(['alarmData.state.timestamp', 'source']);
  });

  it('names the record and the field inside an SNS Message', () => {
    const event = load('sns/lambda-sns-record-metric-math-aws-lambda-go.json');
    const sns = rec(rec((event.Records as unknown[])[0]).Sns);
    sns.Message = (sns.Message as string).replace('"NewStateValue":"ALARM"', '"NewStateValue":"BROKEN"');
    expect(pathsOf(validationErrorOf(event))).toEqual(['Records[0].Sns.Message.NewStateValue']);
  });

  it('rejects a whole Lambda SNS event when one record is bad, naming that record', () => {
    const event = load('sns/lambda-sns-record-single-metric-aws-lambda-go.json');
    const good = (event.Records as unknown[])[0];
    const bad = structuredClone(good);
    rec(rec(bad).Sns).Message = 'Hello from the SNS console';
    event.Records = [good, bad];
    const error = validationErrorOf(event);
    expect(pathsOf(error)).toEqual(['Records[1].Sns.Message']);
    expect(error.message).toContain('not JSON');
  });

  it.each([
    ['no records', { Records: [] }, 'Records'],
    [
      'an SQS record',
      { Records: [{ EventSource: 'aws:sqs', Sns: { Message: '{}' } }] },
      'Records[0].EventSource',
    ],
    ['an SNS subscription confirmation', { Type: 'SubscriptionConfirmation', Message: 'confirm' }, 'Type'],
  ])('rejects a Lambda or SNS event with %s', (_, input, path) => {
    expect(pathsOf(validationErrorOf(input))).toContain(path);
  });

  // Every sample, with each value in it replaced by null, a number, a string, an array and an object in
  // turn: whatever comes back, the only error allowed is a ValidationError.
  it('throws nothing but ValidationError, whatever field of a sample is broken', () => {
    const replacements: unknown[] = [null, 7, 'x', [], {}];
    let variants = 0;
    const unexpected: string[] = [];
    for (const file of Object.keys(samples)) {
      const original = load(file);
      const visit = (node: unknown, path: Array<string | number>): void => {
        if (path.length > 0) {
          for (const replacement of replacements) {
            const variant = structuredClone(original);
            let parent: unknown = variant;
            for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[key];
            (parent as Record<string | number, unknown>)[path.at(-1) as string | number] = replacement;
            variants += 1;
            try {
              parseAlarmEvent(variant);
            } catch (error) {
              if (!(error instanceof ValidationError)) unexpected.push(`${file} ${path.join('.')}: ${error}`);
            }
          }
        }
        if (node === null || typeof node !== 'object') return;
        const children: Array<[string | number, unknown]> = Array.isArray(node)
          ? node.map((child, i) => [i, child])
          : Object.entries(node);
        for (const [key, child] of children) visit(child, [...path, key]);
      };
      visit(original, []);
    }
    expect(unexpected).toEqual([]);
    expect(variants).toBeGreaterThan(500);
  });
});
