/**
 * Queuing webhook events from the lifecycle over the real IncidentService on dynalite, with the queue
 * at its interface: an event is queued once per subscribed webhook with a stable id, and a queue that
 * refuses is recorded and paged to the operators, never thrown out of the step.
 */
import { describe, expect, it } from 'vitest';
import type { Pager } from '../../../lambdas/adapters/pager';
import { parseConfig } from '../../../lambdas/contract/config';
import { acknowledge, type Incident, openIncident } from '../../../lambdas/domain/incident';
import type { WebhookDelivery } from '../../../lambdas/domain/webhooks';
import { IncidentService } from '../../../lambdas/services/incident-service';
import type { LifecycleDeps, WebhookQueue } from '../../../lambdas/services/lifecycle/deps';
import { emitWebhooks } from '../../../lambdas/services/lifecycle/webhooks';
import { WEBHOOKS_CONFIG } from '../../../sandbox/scenarios-webhooks';
import { useLocalDynamo } from '../../support/local-dynamo';

const NOW = new Date('2026-12-03T10:00:00.000Z');
const config = parseConfig(WEBHOOKS_CONFIG, 'webhooks drill config');
const dynamo = useLocalDynamo();

class RecordingPager implements Pager {
  readonly bodies: string[] = [];
  async send(_address: string, page: { body: string }): Promise<string> {
    this.bodies.push(page.body);
    return `msg-${this.bodies.length}`;
  }
}

class MemoryQueue implements WebhookQueue {
  readonly sent: WebhookDelivery[] = [];
  constructor(private readonly failWith?: Error) {}
  async enqueue(delivery: WebhookDelivery): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.sent.push(delivery);
  }
}

let count = 0;
const setUp = async (queue: WebhookQueue, severity: 'P1' | 'P3' = 'P1') => {
  const clock = () => NOW;
  const pager = new RecordingPager();
  const deps: LifecycleDeps = {
    incidents: new IncidentService(
      dynamo.store,
      { dedupFields: config.dedupKey, reopenWindowMinutes: 30, resolveOnOk: true },
      clock,
    ),
    store: dynamo.store,
    pager,
    callbacks: { succeed: async () => {}, fail: async () => {} },
    config,
    clock,
    escalations: { start: async () => 'arn:aws:states:us-east-1:123456789012:execution:x:y' },
    webhooks: { webhooks: config.webhooks ?? [], queue },
  };
  const incident = openIncident({
    id: `INC-20261203-${String(++count).padStart(3, '0')}`,
    dedupKey: `checkout#tasks#${count}`,
    signal: {
      alarmName: 'checkout-tasks-below-desired',
      state: 'ALARM',
      at: NOW.toISOString(),
      service: 'checkout',
    },
    severity,
    severityReason: `configured ${severity}`,
    title: 'checkout running tasks below desired',
    now: NOW,
  });
  await dynamo.store.putNewIncident(incident);
  return { deps, pager, id: incident.id };
};

const stored = async (id: string): Promise<Incident> => {
  const incident = await dynamo.store.getIncident(id);
  if (!incident) throw new Error(`no ${id}`);
  return incident;
};

describe('emitWebhooks', () => {
  it('queues the opening for the subscribed webhook; a repeat queues the same id and body', async () => {
    const queue = new MemoryQueue();
    const { deps, id } = await setUp(queue);
    await emitWebhooks(deps, id, 'incident.opened');
    await emitWebhooks(deps, id, 'incident.opened');
    expect(queue.sent).toHaveLength(2);
    expect(queue.sent[0]).toEqual(queue.sent[1]);
    expect(queue.sent[0]).toMatchObject({ webhook: 'status-bot', type: 'incident.opened' });
    expect(JSON.parse(queue.sent[0]?.body ?? '{}').incident).toMatchObject({ id, severity: 'P1' });
  });

  it('queues nothing for an event or a severity the webhook does not take', async () => {
    const queue = new MemoryQueue();
    const p1 = await setUp(queue);
    await emitWebhooks(p1.deps, p1.id, 'incident.escalated');
    const p3 = await setUp(queue, 'P3');
    await emitWebhooks(p3.deps, p3.id, 'incident.opened');
    expect(queue.sent).toEqual([]);
  });

  it('a queue that refuses: the step goes on, the failure is on the timeline and the operators are paged', async () => {
    const refusal = Object.assign(new Error('Access to the resource is denied'), { name: 'AccessDenied' });
    const { deps, pager, id } = await setUp(new MemoryQueue(refusal));
    await deps.incidents.update(id, (i, at) => acknowledge(i, { type: 'human', name: 'alice' }, at));
    await expect(emitWebhooks(deps, id, 'incident.acknowledged')).resolves.toBeUndefined();
    const incident = await stored(id);
    const error = incident.timeline.find((e) => e.kind === 'error');
    expect(error?.summary).toMatch(
      /^webhook status-bot: incident\.acknowledged \(evt_[0-9a-f]{32}\) not queued: AccessDenied: Access to the resource is denied$/,
    );
    expect(error?.details).toEqual({ step: 'webhook', error: 'AccessDenied' });
    expect(incident.timeline.at(-1)).toMatchObject({
      kind: 'page',
      details: { kind: 'ESCALATION', tier: 'on-call' },
    });
    expect(
      pager.bodies.some((b) => b.includes('webhook status-bot was not sent incident.acknowledged')),
    ).toBe(true);
  });
});
