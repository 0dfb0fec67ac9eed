import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type Actor,
  acknowledge,
  countReminder,
  type Incident,
  moveTo,
  openIncident,
  recordPage,
  requirePostMortem,
} from '../../lambdas/domain/incident';
import { parseReportTimeline, reportKey } from '../../lambdas/domain/report';
import type { Severity } from '../../lambdas/domain/severity';
import { startLocalDynamo } from '../../sandbox/local-aws/dynalite';
import { deployedStack, runCli } from '../support/cli';
import { useLocalDynamo } from '../support/local-dynamo';

// The table is dynalite (reached with --table, or through a mocked stack's outputs with --stack);
// CloudFormation and S3 are mocked at the SDK boundary in the shapes AWS returns.
const cfn = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);
const dynamo = useLocalDynamo({ endpointEnv: true });

const HOUR = 3_600_000;
const BUCKET = 'incidentresponse-reportbucket1a2b3c4d-0123456789ab';

let count = 0;
/** A P2 opened `ageHours` ago, paged, acknowledged and resolved 1 h later, owing a post-mortem due 48 h after. */
const resolvedIncident = (ageHours: number, options: { severity?: Severity; reminders?: number } = {}) => {
  const id = `INC-20261120-${String(++count).padStart(3, '0')}`;
  const opened = new Date(Date.now() - ageHours * HOUR);
  const at = (minutes: number) => new Date(opened.getTime() + minutes * 60_000);
  const workflow: Actor = { type: 'automation', name: 'workflow' };
  let i = openIncident({
    id,
    dedupKey: `checkout#checkout-error-rate#${id}`,
    signal: {
      alarmName: 'checkout-error-rate',
      state: 'ALARM',
      at: opened.toISOString(),
      service: 'checkout',
    },
    severity: options.severity ?? 'P2',
    severityReason: 'configured P2',
    title: 'checkout error rate high',
    now: opened,
  });
  i = recordPage(
    i,
    { tier: 'on-call', kind: 'INCIDENT', subject: `[P2] ${id} checkout error rate high`, messageId: 'm-1' },
    workflow,
    at(1),
  );
  i = acknowledge(i, { type: 'human', name: 'alice' }, at(4));
  i = moveTo(i, 'RESOLVED', { type: 'alarm', name: 'checkout-error-rate' }, at(60), 'alarm returned to OK');
  if ((options.severity ?? 'P2') === 'P2') {
    i = requirePostMortem(i, new Date(at(60).getTime() + 48 * HOUR), 'devops-lead', workflow, at(60));
    for (let n = 0; n < (options.reminders ?? 0); n++) i = countReminder(i);
  }
  return i;
};

const seed = async (incident: Incident, store = dynamo.store) => {
  expect(await store.putNewIncident(incident)).toBe(true);
  return incident.id;
};

afterAll(() => {
  cfn.restore();
  s3.restore();
});
beforeEach(() => {
  cfn.reset();
  s3.reset();
  cfn.on(DescribeStacksCommand).resolves(
    deployedStack({
      IncidentTableName: dynamo.tableName,
      StateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:IncidentResponse-lifecycle',
      ReportBucketName: BUCKET,
    }),
  );
  s3.on(PutObjectCommand).resolves({
    ETag: '"6805f2cfc46c0f04559748bb039d69ae"',
    ServerSideEncryption: 'AES256',
    VersionId: 'Kirh.unyZwjQ69YxcQLA8z4F5j3kJJKr',
  });
});

describe('incident report', () => {
  it("prints the report Markdown from the sandbox store, its timeline the record's", async () => {
    const db = mkdtempSync(join(tmpdir(), 'report-'));
    const sandbox = await startLocalDynamo('incidents', db);
    const incident = resolvedIncident(30);
    await seed(incident, sandbox.store);
    await sandbox.stop();

    const { code, out } = await runCli('report', incident.id, '--db', db);
    expect(code).toBe(0);
    expect(out).toContain(incident.id);
    expect(out).toContain('checkout error rate high');
    expect(parseReportTimeline(out).map((r) => r.event)).toEqual(
      incident.timeline.map((e) => `${e.kind}: ${e.summary}`),
    );
  });

  it('--out FILE writes it to the file', async () => {
    const incident = resolvedIncident(30);
    await seed(incident);
    const file = join(mkdtempSync(join(tmpdir(), 'report-out-')), 'report.md');
    const { code, out } = await runCli('report', incident.id, '--table', dynamo.tableName, '--out', file);
    expect(code).toBe(0);
    expect(out).toBe(`Wrote the report of ${incident.id} to ${file}\n`);
    expect(parseReportTimeline(readFileSync(file, 'utf8'))).toHaveLength(incident.timeline.length);
  });

  it('an unknown incident exits 1; no ID is a usage error', async () => {
    const missing = await runCli('report', 'INC-20990101-001', '--table', dynamo.tableName);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('No incident INC-20990101-001');
    const usage = await runCli('report');
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/report needs an incident ID/);
  });
});

describe('incident postmortem', () => {
  it('shows due, owner, reminders sent, and whether it is overdue', async () => {
    const onTime = await seed(resolvedIncident(10, { reminders: 0 }));
    const late = await seed(resolvedIncident(60, { reminders: 1 }));
    const shown = await runCli('postmortem', onTime, '--table', dynamo.tableName);
    expect(shown.code).toBe(0);
    // Resolved 9 h ago, due 48 h after that: 39 h left.
    expect(shown.out).toMatch(
      /post-mortem due \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in 1d 1[45]h\), owner devops-lead, 0 reminders sent/,
    );
    expect(shown.out).toContain(`incident postmortem ${onTime} --done --doc URL --by NAME`);
    const overdue = await runCli('postmortem', late, '--table', dynamo.tableName);
    // Resolved 59 h ago, due 48 h after that: 11 h late.
    expect(overdue.out).toMatch(/\(OVERDUE by 1[01]h \d\dm\), owner devops-lead, 1 reminder sent/);
    const none = await runCli(
      'postmortem',
      await seed(resolvedIncident(5, { severity: 'P3' })),
      '--table',
      dynamo.tableName,
    );
    expect(none.out).toMatch(/no post-mortem owed$/m);
  });

  it('--done --doc URL --by NAME links the document and closes the incident', async () => {
    const id = await seed(resolvedIncident(20));
    const doc = 'https://wiki.example.com/postmortems/checkout-2026-11-20';
    const { code, out } = await runCli(
      'postmortem',
      id,
      '--done',
      '--doc',
      doc,
      '--by',
      'alice',
      '--table',
      dynamo.tableName,
    );
    expect(code).toBe(0);
    expect(out).toContain(`${id}: post-mortem done by alice (${doc}); CLOSED\n`);
    expect(out).toContain('give --stack NAME instead of --table to rewrite it');
    const stored = await dynamo.store.getIncident(id);
    expect(stored?.status).toBe('CLOSED');
    expect(stored?.postMortem).toMatchObject({ doc, doneBy: 'alice' });
    expect(stored?.timeline.at(-1)).toMatchObject({
      kind: 'status',
      actor: { type: 'human', name: 'alice' },
      summary: 'RESOLVED -> CLOSED: post-mortem done',
    });
    const status = await runCli('postmortem', id, '--table', dynamo.tableName);
    expect(status.out).toMatch(new RegExp(`CLOSED .*\\n  post-mortem done .* by alice: ${doc}`));
    const again = await runCli(
      'postmortem',
      id,
      '--done',
      '--doc',
      doc,
      '--by',
      'bob',
      '--table',
      dynamo.tableName,
    );
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already CLOSED/);
  });

  it("with --stack it also rewrites the report in the stack's report bucket", async () => {
    const id = await seed(resolvedIncident(20));
    const doc = 'https://wiki.example.com/postmortems/checkout-2';
    const { code, out, err } = await runCli(
      'postmortem',
      id,
      '--done',
      '--doc',
      doc,
      '--by',
      'alice',
      '--stack',
      'IncidentResponse',
      '--region',
      'us-east-1',
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('; CLOSED\n');
    const stored = await dynamo.store.getIncident(id);
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ Bucket: BUCKET, Key: reportKey(stored as Incident) });
    expect(String(put?.Body)).toContain(`post-mortem done by alice: ${doc}`);
    expect(stored?.report?.uri).toBe(`s3://${BUCKET}/${reportKey(stored as Incident)}`);
    expect(out).toContain(`Report rewritten: s3://${BUCKET}/`);
  });

  it.each([
    [
      ['postmortem', 'INC-20261120-001', '--done', '--doc', 'wiki page', '--by', 'alice'],
      /--doc: must be the post-mortem document's http\(s\) URL/,
    ],
    [['postmortem', 'INC-20261120-001', '--done', '--by', 'alice'], /postmortem --done needs --doc URL/],
    [['postmortem', 'INC-20261120-001', '--done'], /postmortem --done needs --doc URL, --by NAME/],
    [['postmortem', 'INC-20261120-001', '--doc', 'https://x.example'], /add --done/],
    [['postmortem'], /postmortem needs an incident ID/],
    [
      ['postmortem', 'INC-20261120-001', '--table', 't', '--stack', 's'],
      /--table NAME or --stack NAME, not both/,
    ],
  ])('%j is a usage error naming the flag', async (argv, message) => {
    const id = await seed(resolvedIncident(20));
    const result = await runCli(
      ...argv.map((a) => (a === 'INC-20261120-001' ? id : a)),
      ...(argv.includes('--table') ? [] : ['--table', dynamo.tableName]),
    );
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });
});
