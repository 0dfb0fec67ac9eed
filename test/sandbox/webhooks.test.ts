/**
 * Outbound webhooks end to end in the sandbox: the synthesized workflow's real bundles queue the
 * events on the SQS stand-in, the template's event source mapping hands them to the real webhook
 * bundle, and it signs and POSTs them to the loopback receiver, which checks each signature.
 */
import { describe, expect, it } from 'vitest';
import type { DeploymentConfigInput } from '../../lambdas/contract/config-schema';
import {
  SIGNATURE_HEADER,
  WEBHOOK_EVENT_KINDS,
  webhookEventId,
} from '../../lambdas/domain/webhook-signature';
import { runDrill } from '../../sandbox/drill';
import type { Sandbox } from '../../sandbox/sandbox';
import { DRILL_CONFIG, SCENARIOS } from '../../sandbox/scenarios';
import { WEBHOOK_SECRET_ARN, WEBHOOKS_CONFIG } from '../../sandbox/scenarios-webhooks';
import type { WebhookStandIns } from '../../sandbox/webhook-stand-ins';
import { alarmStateChange } from '../support/events';
import { minute, START, withSandbox } from '../support/sandbox';

/** One webhook that takes every event of every severity. */
const everyEvent = (config: DeploymentConfigInput): DeploymentConfigInput => ({
  ...config,
  webhooks: [
    {
      name: 'status-bot',
      url: 'https://hooks.example.com/incidents',
      secretArn: WEBHOOK_SECRET_ARN,
      events: [...WEBHOOK_EVENT_KINDS],
    },
  ],
});

/** A P1 at minute 1 (no running checkout tasks), announced by the synthesized workflow. */
const openP1 = async (sandbox: Sandbox): Promise<string> => {
  await sandbox.clock.advanceTo(minute(1));
  const record = sandbox.deliver(alarmStateChange('checkout-tasks-below-desired', 'ALARM', minute(1)));
  await sandbox.settle(minute(2));
  const id = record.intake?.incidentId;
  if (id === undefined) throw new Error('the P1 opened no incident');
  return id;
};

/** alice acknowledges at minute 3 and resolves at minute 5; the workflows run to minute 60. */
const ackAndResolve = async (sandbox: Sandbox, id: string): Promise<void> => {
  await sandbox.clock.advanceTo(minute(3));
  await sandbox.acknowledge(id, 'alice');
  await sandbox.clock.advanceTo(minute(5));
  await sandbox.resolve(id, 'alice');
  await sandbox.settle(minute(60));
};

const standIns = (sandbox: Sandbox): WebhookStandIns => {
  if (!sandbox.webhooks) throw new Error('the sandbox booted no webhook stand-ins');
  return sandbox.webhooks;
};

interface Delivered {
  readonly id: string;
  readonly type: string;
  readonly incident: { readonly id: string; readonly status: string };
  readonly entry: { readonly seq: number };
}

describe('webhooks through the synthesized workflow', () => {
  it('a drill incident delivers opened, acknowledged and resolved, signed (two keys), with ids from their entries', async () => {
    await withSandbox({ config: WEBHOOKS_CONFIG }, async (sandbox) => {
      const id = await openP1(sandbox);
      await ackAndResolve(sandbox, id);
      const { receiver, sqs } = standIns(sandbox);
      const bodies = receiver.accepted() as Delivered[];
      expect(bodies.map((b) => b.type)).toEqual([
        'incident.opened',
        'incident.acknowledged',
        'incident.resolved',
      ]);
      expect(bodies.map((b) => b.incident.id)).toEqual([id, id, id]);
      for (const body of bodies) {
        expect(body.id).toBe(webhookEventId(id, body.type as 'incident.opened', body.entry.seq));
      }
      expect(new Set(bodies.map((b) => b.id)).size).toBe(3);
      expect(bodies.at(-1)?.incident.status).toBe('RESOLVED');
      for (const r of receiver.received) {
        expect(r.path).toBe('/status-bot');
        expect(r.verified).toEqual({ ok: true });
        expect(String(r.headers[SIGNATURE_HEADER.toLowerCase()])).toMatch(
          /^v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/,
        );
      }
      expect(sqs.deadLetters()).toEqual([]);
      const { failures } = sandbox.executionSummary();
      expect(failures, JSON.stringify(failures)).toEqual([]);
    });
  }, 60_000);

  it('a receiver answering 410 is not retried: that delivery goes to the dead-letter queue, the next ones arrive', async () => {
    await withSandbox({ config: WEBHOOKS_CONFIG }, async (sandbox) => {
      const { receiver, sqs } = standIns(sandbox);
      receiver.answerNext(1, 410);
      const id = await openP1(sandbox);
      await ackAndResolve(sandbox, id);
      expect(receiver.received.map((r) => r.answered)).toEqual([410, 204, 204]);
      const [dead] = sqs.deadLetters();
      expect(sqs.deadLetters()).toHaveLength(1);
      expect(dead?.attributes).toEqual({ refused: 'HTTP 410' });
      expect(JSON.parse(dead?.body ?? '{}')).toMatchObject({
        webhook: 'status-bot',
        type: 'incident.opened',
      });
      expect((receiver.accepted() as Delivered[]).map((b) => b.type)).toEqual([
        'incident.acknowledged',
        'incident.resolved',
      ]);
    });
  }, 60_000);

  it('a receiver answering 503 twice gets the same event again after each visibility timeout, then takes it', async () => {
    await withSandbox({ config: WEBHOOKS_CONFIG }, async (sandbox) => {
      const { receiver, sqs } = standIns(sandbox);
      receiver.answerNext(2, 503);
      await openP1(sandbox);
      await sandbox.settle(minute(10));
      const opened = receiver.received.slice(0, 3);
      expect(opened.map((r) => r.answered)).toEqual([503, 503, 204]);
      expect(new Set(opened.map((r) => r.body)).size).toBe(1);
      // Each retry after the queue's visibility timeout: 6 x the function's 15 s.
      const gaps = opened.slice(1).map((r, i) => r.at.getTime() - (opened[i]?.at.getTime() ?? 0));
      expect(gaps).toEqual([90_000, 90_000]);
      expect(sqs.deadLetters()).toEqual([]);
    });
  }, 60_000);

  it('an automatic rollback: opened, mitigated, resolved', async () => {
    const badDeploy = SCENARIOS['bad-deploy'];
    if (!badDeploy) throw new Error('no bad-deploy scenario');
    let types: string[] = [];
    await runDrill(
      { ...badDeploy, config: everyEvent(DRILL_CONFIG) },
      {
        start: START,
        afterwards: async (sandbox) => {
          await sandbox.settle(sandbox.clock.now());
          types = (standIns(sandbox).receiver.accepted() as Delivered[]).map((b) => b.type);
        },
      },
    );
    expect(types).toEqual(['incident.opened', 'incident.mitigated', 'incident.resolved']);
  }, 60_000);

  it('nobody acknowledges a P1: escalation steps and status updates are delivered as they fire', async () => {
    await withSandbox({ config: everyEvent(WEBHOOKS_CONFIG) }, async (sandbox) => {
      await openP1(sandbox);
      await sandbox.settle(minute(130));
      const bodies = standIns(sandbox).receiver.accepted() as Delivered[];
      const types = bodies.map((b) => b.type);
      expect(types[0]).toBe('incident.opened');
      expect(types).toContain('incident.escalated');
      expect(types).toContain('incident.status-update');
      expect(new Set(bodies.map((b) => b.id)).size).toBe(bodies.length);
    });
  }, 60_000);

  it('an alarm again within the reopen window: the reopening is its own event, after the first resolution', async () => {
    await withSandbox({ config: everyEvent(WEBHOOKS_CONFIG) }, async (sandbox) => {
      const id = await openP1(sandbox);
      await sandbox.clock.advanceTo(minute(5));
      await sandbox.resolve(id, 'alice');
      await sandbox.settle(minute(8));
      await sandbox.clock.advanceTo(minute(10));
      sandbox.deliver(alarmStateChange('checkout-tasks-below-desired', 'ALARM', minute(10)));
      await sandbox.settle(minute(12));
      const types = (standIns(sandbox).receiver.accepted() as Delivered[]).map((b) => b.type);
      expect(types.slice(0, 1)).toEqual(['incident.opened']);
      expect(types.indexOf('incident.reopened')).toBeGreaterThan(types.indexOf('incident.resolved'));
      expect((await sandbox.incident(id))?.reopenCount).toBe(1);
    });
  }, 60_000);

  it('an acknowledgement by a page link runs in the responder bundle and queues the acknowledged event', async () => {
    await withSandbox({ config: WEBHOOKS_CONFIG }, async (sandbox) => {
      const id = await openP1(sandbox);
      const incidentPage = (await sandbox.sns.drain()).find((p) => p.kind === 'INCIDENT');
      const lines = (incidentPage?.body ?? '').split('\n');
      const at = lines.findIndex((l) => /^Acknowledge \(take ownership\):$/.test(l));
      const ack =
        lines
          .slice(at + 1)
          .find((l) => l.trim().startsWith('http'))
          ?.trim() ?? '';
      expect(ack.startsWith(`${sandbox.responder.baseUrl}/a/`)).toBe(true);
      expect((await fetch(ack, { method: 'POST', body: '' })).status).toBe(200);
      await sandbox.settle(sandbox.clock.now());
      const acked = (standIns(sandbox).receiver.accepted() as Delivered[]).find(
        (b) => b.type === 'incident.acknowledged',
      );
      // The workflow had moved on (MONITORING): the acknowledgement records an owner, not a status.
      expect(acked?.incident).toMatchObject({ id, status: 'MONITORING' });
      expect((await sandbox.incident(id))?.acknowledgedBy).toBe('on-call');
      expect(sandbox.functionLogs.some((l) => l.functionName.startsWith('ResponderFunction'))).toBe(true);
    });
  }, 60_000);
});
