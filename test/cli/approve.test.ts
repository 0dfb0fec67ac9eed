import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEntries } from '../../lambdas/domain/incident';
import { IncidentService } from '../../lambdas/services/incident-service';
import { runCli } from '../support/cli';
import { useLocalDynamo } from '../support/local-dynamo';

// The CLI talks to "a deployed stack" here: DynamoDB is dynalite, and Step Functions is a loopback
// stand-in that records the callback calls (SendTaskSuccess/Failure), reached through the SDK's
// per-service endpoint variables.
const dynamo = useLocalDynamo({ endpointEnv: true });
let sfn: Server;
const calls: Array<{ target: string; body: Record<string, unknown> }> = [];

beforeAll(async () => {
  sfn = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      calls.push({ target: String(req.headers['x-amz-target']), body: JSON.parse(body || '{}') });
      res.setHeader('content-type', 'application/x-amz-json-1.0');
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => sfn.listen(0, '127.0.0.1', resolve));
  const address = sfn.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  process.env.AWS_ENDPOINT_URL_SFN = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_SFN;
  await new Promise<void>((resolve) => sfn.close(() => resolve()));
});

const service = () =>
  new IncidentService(
    dynamo.store,
    { dedupFields: ['service', 'alarm'], reopenWindowMinutes: 30, resolveOnOk: true },
    () => new Date(),
  );

/** An open incident whose workflow waits for approval of a rollback. */
const waitingIncident = async (alarm: string) => {
  const incidents = service();
  const { incidentId } = await incidents.recordAlarm({
    signal: { alarmName: alarm, state: 'ALARM', at: new Date().toISOString(), service: 'checkout' },
    severity: 'P2',
    severityReason: 'configured P2',
    title: 'checkout error rate high',
  });
  const id = incidentId ?? '';
  await incidents.update(id, (i, at) =>
    appendEntries({ ...i, approvalToken: `token-${alarm}` }, at, {
      kind: 'action',
      actor: { type: 'automation', name: 'workflow' },
      summary: 'waiting for approval: roll back checkout to checkout:41',
    }),
  );
  return id;
};

describe('incident approve | deny on a deployed stack', () => {
  it('approve resumes the workflow with SendTaskSuccess and records who approved; a second answer finds nothing', async () => {
    const id = await waitingIncident('approve-me');
    const result = await runCli(
      'approve',
      id,
      '--by',
      'alice',
      '--note',
      'looks right',
      '--table',
      dynamo.tableName,
    );
    expect(result).toMatchObject({ code: 0, out: `${id}: approved by alice\n` });
    expect(calls.at(-1)).toEqual({
      target: 'AWSStepFunctions.SendTaskSuccess',
      body: { taskToken: 'token-approve-me', output: JSON.stringify({ approvedBy: 'alice' }) },
    });
    const incident = await dynamo.store.getIncident(id);
    expect(incident?.approvalToken).toBeUndefined();
    expect(incident?.timeline.at(-1)).toMatchObject({
      actor: { type: 'human', name: 'alice' },
      summary: 'approved by alice: looks right',
    });

    const again = await runCli('approve', id, '--by', 'bob', '--table', dynamo.tableName);
    expect(again.code).toBe(1);
    expect(again.err).toContain(`no automatic action on ${id} is waiting for approval`);
  });

  it('deny fails the waiting task with ApprovalDenied, so the workflow escalates without acting', async () => {
    const id = await waitingIncident('deny-me');
    const result = await runCli('deny', id, '--by', 'bob', '--table', dynamo.tableName);
    expect(result.code).toBe(0);
    expect(calls.at(-1)).toEqual({
      target: 'AWSStepFunctions.SendTaskFailure',
      body: { taskToken: 'token-deny-me', error: 'ApprovalDenied', cause: 'denied by bob' },
    });
  });

  it.each([
    [['approve'], /approve needs an incident ID/],
    [['approve', 'INC-20261123-001'], /approve needs --by NAME/],
    [
      ['deny', 'INC-20261123-001', '--by', 'bob'],
      /deny answers a running workflow of a deployed stack: give --table NAME/,
    ],
  ])('%j is a usage error', async (argv, message) => {
    const result = await runCli(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });
});
