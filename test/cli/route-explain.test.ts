import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli';
import { routedInput } from '../support/fixtures';

const events = new URL('../events/', import.meta.url).pathname;
let configPath: string;
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'route-explain-'));
  configPath = join(dir, 'routed.json');
  writeFileSync(configPath, JSON.stringify(routedInput()));
});

const explain = async (file: string, ...flags: string[]) => {
  const result = await runCli('route', 'explain', join(events, file), '--config', configPath, ...flags);
  return result;
};

describe('incident route explain', () => {
  it('prints one JSON line per state change: rule, service, severity, action', async () => {
    const result = await explain('eventbridge/metric-alarm-state-change-aws-docs.json', '--json');

    expect(result.code).toBe(0);
    expect(result.out).toBe('{"rule":"ec2-any","service":"fleet","severity":"P3","action":"open"}\n');
  });

  it('says in words which rules did not match and why, and where each field came from', async () => {
    const result = await explain('eventbridge/metric-alarm-state-change-aws-docs.json');

    expect(result.out).toBe(
      [
        'ServerCpuTooHigh: ALARM at 2019-10-02T17:04:40.989Z (eventbridge)',
        '  opens an incident: service fleet, severity P3, runbook https://runbooks.example.com/fleet',
        '  rule: ec2-any',
        '    noisy-anomaly: no match, alarm name ServerCpuTooHigh does not match {"glob":"*Anomaly"}',
        '    ec2-network: no match, no metric of the alarm is AWS/EC2 NetworkOut',
        '    ec2-any: matched',
        '    service from ec2-any, severity from ec2-any, action from ec2-any, runbookUrl from service fleet',
        '',
      ].join('\n'),
    );
  });

  it('prints an INSUFFICIENT_DATA change as ignored before routing, and says why', async () => {
    const event = JSON.parse(
      readFileSync(join(events, 'eventbridge/metric-alarm-state-change-aws-docs.json'), 'utf8'),
    );
    event.detail.state.value = 'INSUFFICIENT_DATA';
    const file = join(mkdtempSync(join(tmpdir(), 'route-explain-insufficient-')), 'event.json');
    writeFileSync(file, JSON.stringify(event));

    const json = await runCli('route', 'explain', file, '--config', configPath, '--json');
    const text = await runCli('route', 'explain', file, '--config', configPath);

    expect(json.out).toBe('{"rule":null,"service":null,"severity":null,"action":"ignore"}\n');
    expect(text.out).toMatch(
      /^ignored before routing: INSUFFICIENT_DATA is not an incident signal \(alarm ServerCpuTooHigh at /,
    );
  });

  it('prints a configuration change event as ignored before routing', async () => {
    const result = await explain(
      'eventbridge/configuration-change-metric-alarm-update-aws-docs.json',
      '--json',
    );

    expect(result.out).toBe('{"rule":null,"service":null,"severity":null,"action":"ignore"}\n');
  });

  it('reads the tags from --tag, and refuses a tag that is no KEY=VALUE', async () => {
    const bad = await explain('eventbridge/metric-alarm-state-change-aws-docs.json', '--tag', 'team');

    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--tag team: must be KEY=VALUE, such as --tag team=payments');
  });

  it('names the file that is not JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'route-explain-bad-'));
    const file = join(dir, 'event.json');
    writeFileSync(file, '{"source": ');

    const result = await runCli('route', 'explain', file, '--config', configPath);

    expect(result.code).toBe(2);
    expect(result.err).toContain(`${file} is not JSON`);
  });
});

describe('the sandbox and the intake Lambda give the same answer', () => {
  // route explain runs routeAlarm in this process; replay runs the intake bundle that cdk synth
  // builds, in the sandbox workflow, with the same config.
  it.each([
    'eventbridge/metric-alarm-state-change-aws-docs.json',
    'eventbridge/anomaly-detection-alarm-state-change-aws-docs.json',
    'sns/lambda-sns-record-single-metric-aws-lambda-go.json',
    'lambda-action/lambda-action-metric-math-alarm-powertools.json',
    'composite/lambda-action-composite-alarm-powertools.json',
  ])('%s', async (file) => {
    const explained = JSON.parse((await explain(file, '--json')).out);
    const db = mkdtempSync(join(tmpdir(), 'route-replay-'));
    const replayed = await runCli('replay', join(events, file), '--config', configPath, '--db', db, '--json');
    expect(replayed.code).toBe(0);
    const outcome = JSON.parse(replayed.out);

    if (explained.action === 'ignore') expect(outcome.outcome).toBe('ignored');
    else
      expect({ outcome: outcome.outcome, service: outcome.service, severity: outcome.severity }).toEqual({
        outcome: 'opened',
        service: explained.service ?? 'unmapped',
        severity: explained.severity,
      });
  });
});
