import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli';
import { exampleInput } from '../support/fixtures';

const events = new URL('../events/', import.meta.url).pathname;

const freshDb = () => mkdtempSync(join(tmpdir(), 'incident-cli-'));

const replay = async (file: string, db = freshDb(), ...extra: string[]) => {
  const result = await runCli('replay', file, '--db', db, '--json', ...extra);
  expect(result.code).toBe(0);
  return JSON.parse(result.out) as {
    outcome: string;
    reason?: string;
    incidentId?: string;
    severity?: string;
  };
};

/** A file in a temp folder: for events derived from an AWS sample, and for garbage. */
const tempFile = (name: string, content: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'incident-event-')), name);
  writeFileSync(path, content);
  return path;
};

/** The AWS docs' metric alarm event with only its state and time changed. */
const docsEventIn = (state: 'ALARM' | 'OK', timestamp: string) => {
  const event = JSON.parse(
    readFileSync(join(events, 'eventbridge/metric-alarm-state-change-aws-docs.json'), 'utf8'),
  );
  event.detail.state.value = state;
  event.detail.state.timestamp = timestamp;
  return tempFile(`${state}.json`, JSON.stringify(event));
};

describe('incident replay: AWS sample events of every accepted shape', () => {
  // Sample alarms map to no service of config/example.json: opened at the default severity (P3).
  it.each([
    ['eventbridge/metric-alarm-state-change-aws-docs.json', 'opened'],
    ['eventbridge/metric-math-alarm-state-change-aws-docs.json', 'opened'],
    ['eventbridge/anomaly-detection-alarm-state-change-aws-docs.json', 'opened'],
    ['eventbridge/composite-alarm-with-suppressor-state-change-aws-docs.json', 'opened'],
    ['lambda-action/lambda-action-metric-alarm-docs-artifact-rust.json', 'opened'],
    ['lambda-action/lambda-action-metric-math-alarm-powertools.json', 'opened'],
    ['composite/lambda-action-composite-alarm-powertools.json', 'opened'],
    ['sns/lambda-sns-record-single-metric-aws-lambda-go.json', 'opened'],
    ['sns/lambda-sns-record-metric-math-aws-lambda-go.json', 'opened'],
    ['eventbridge/configuration-change-composite-create-aws-docs.json', 'ignored'],
    ['eventbridge/configuration-change-composite-delete-aws-docs.json', 'ignored'],
    ['eventbridge/configuration-change-metric-alarm-update-aws-docs.json', 'ignored'],
    ['composite/noncanonical-eventbridge-envelope-with-alarmData-rust.json', 'rejected'],
  ])('%s -> %s', async (file, outcome) => {
    const result = await replay(join(events, file));
    expect(result.outcome, JSON.stringify(result)).toBe(outcome);
    if (outcome === 'opened')
      expect(result).toMatchObject({
        severity: 'P3',
        incidentId: expect.stringMatching(/^INC-\d{8}-\d{3}$/),
      });
    if (outcome !== 'opened') expect(result.reason).toBeTruthy();
  });

  it('ALARM then its OK: opened, then resolved (the sandbox store keeps the incident between runs)', async () => {
    const db = freshDb();
    const opened = await replay(docsEventIn('ALARM', '2026-11-23T10:00:00.000+0000'), db);
    const resolved = await replay(docsEventIn('OK', '2026-11-23T10:07:00.000+0000'), db);
    expect(opened.outcome).toBe('opened');
    expect(resolved).toMatchObject({ outcome: 'resolved', incidentId: opened.incidentId });
    const again = await replay(docsEventIn('ALARM', '2026-11-23T10:00:00.000+0000'), db);
    expect(again).toMatchObject({ outcome: 'updated', incidentId: opened.incidentId });
  });

  it('an OK with no open incident is ignored, with the reason', async () => {
    const result = await replay(docsEventIn('OK', '2026-11-23T10:07:00.000+0000'));
    expect(result.outcome).toBe('ignored');
    expect(result.reason).toMatch(/no open incident/);
  });

  it.each([
    ['not JSON at all', 'this is not an event', /CloudWatch alarm event: 1 problem/],
    ['an empty object', '{}', /CloudWatch alarm event: 1 problem/],
    [
      'an alarm event without its state',
      JSON.stringify({
        'detail-type': 'CloudWatch Alarm State Change',
        source: 'aws.cloudwatch',
        detail: { alarmName: 'x' },
      }),
      /detail\.state/,
    ],
    // EventBridge never delivers a bare null; the workflow's first state refuses it.
    ['null', 'null', /refused the input before its intake ran: .*does not point to a value/],
  ])('garbage (%s) -> rejected with a reason, exit 0', async (_, content, reason) => {
    const result = await replay(tempFile('garbage.json', content));
    expect(result.outcome).toBe('rejected');
    expect(result.reason).toMatch(reason);
  });
});

describe('incident list and show over the sandbox store', () => {
  it('lists what a replay recorded and shows its timeline', async () => {
    const db = freshDb();
    // The example defers P3 pages to business hours; without that, the replay pages at once whatever
    // the hour, and the page names whom the on-call tier reached then (and why).
    const config = exampleInput() as { oncall: { deferral: unknown } };
    config.oncall.deferral = {};
    const { incidentId } = await replay(
      join(events, 'eventbridge/metric-alarm-state-change-aws-docs.json'),
      db,
      '--config',
      tempFile('no-deferral.json', JSON.stringify(config)),
    );
    const listed = await runCli('list', '--db', db);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(new RegExp(`^${incidentId} +P3 +MONITORING +unmapped `, 'm'));
    const shown = await runCli('show', incidentId ?? '', '--db', db);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain('ServerCpuTooHigh went to ALARM');
    expect(shown.out).toMatch(/ paged [a-z-]+ for on-call \((primary|fallback)[^)]*\): INCIDENT: \[P3\]/);
    const open = await runCli('list', '--open', '--db', db, '--json');
    expect(JSON.parse(open.out).map((i: { id: string }) => i.id)).toEqual([incidentId]);
  });

  it('show of an unknown id says so and exits 1', async () => {
    const result = await runCli('show', 'INC-20990101-001', '--db', freshDb());
    expect(result.code).toBe(1);
    expect(result.err).toContain('No incident INC-20990101-001');
  });

  it('an empty store says how to make an incident', async () => {
    expect((await runCli('list', '--db', freshDb())).out).toBe('No incidents yet. Try: npm run drill\n');
  });
});

describe('usage errors exit 2 with the usage', () => {
  it.each([
    [['replay']],
    [['replay', '/no/such/file.json']],
    [['drill']],
    [['drill', '--scenario', 'no-such-scenario']],
    [['frobnicate']],
    [['list', '--limit', 'many']],
    [['list', '--no-such-flag']],
  ])('%j', async (argv) => {
    const result = await runCli(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toContain('Usage: incident <command>');
  });
});
