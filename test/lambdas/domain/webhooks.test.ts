import { describe, expect, it } from 'vitest';
import {
  acknowledge,
  advance,
  appendEntries,
  type Incident,
  openIncident,
} from '../../../lambdas/domain/incident';
import { webhookEventId } from '../../../lambdas/domain/webhook-signature';
import {
  deliveryVerdict,
  incidentEvent,
  signingKeys,
  type WebhookSubscription,
  webhookDeliveries,
} from '../../../lambdas/domain/webhooks';

const T0 = new Date('2026-12-03T14:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const WORKFLOW = { type: 'automation', name: 'workflow' } as const;

const opened = (): Incident =>
  openIncident({
    id: 'INC-20261203-001',
    dedupKey: 'checkout#tasks',
    signal: { alarmName: 'checkout-tasks', state: 'ALARM', at: T0.toISOString(), service: 'checkout' },
    severity: 'P1',
    severityReason: 'configured P1',
    title: 'checkout running tasks below desired',
    now: T0,
  });

const hook = (over: Partial<WebhookSubscription> = {}): WebhookSubscription => ({
  name: 'status-bot',
  events: ['incident.opened', 'incident.acknowledged', 'incident.resolved', 'incident.mitigated'],
  ...over,
});

describe('webhookDeliveries', () => {
  it('an opened incident: one delivery per subscribed webhook, the body the event of the detected entry', () => {
    const incident = opened();
    const detected = incident.timeline.find((e) => e.kind === 'detected');
    const deliveries = webhookDeliveries(
      [
        hook(),
        hook({ name: 'p2-only', severities: ['P2'] }),
        hook({ name: 'acks', events: ['incident.acknowledged'] }),
      ],
      incident,
      'incident.opened',
    );
    expect(deliveries.map((d) => d.webhook)).toEqual(['status-bot']);
    const [delivery] = deliveries;
    expect(delivery?.eventId).toBe(webhookEventId(incident.id, 'incident.opened', detected?.seq ?? -1));
    expect(JSON.parse(delivery?.body ?? '{}')).toEqual({
      id: delivery?.eventId,
      type: 'incident.opened',
      occurredAt: T0.toISOString(),
      incident: {
        id: incident.id,
        title: 'checkout running tasks below desired',
        service: 'checkout',
        severity: 'P1',
        status: 'DETECTED',
      },
      entry: { seq: detected?.seq, at: T0.toISOString(), summary: detected?.summary },
    });
  });

  it('the same moment asked twice (a retried step) gives the same id and the same bytes', () => {
    const acked = acknowledge(opened(), { type: 'human', name: 'alice' }, at(3));
    const first = webhookDeliveries([hook()], acked, 'incident.acknowledged');
    const later = appendEntries(acked, at(4), { kind: 'note', actor: WORKFLOW, summary: 'something else' });
    expect(webhookDeliveries([hook()], later, 'incident.acknowledged')).toEqual(first);
    expect(first).toHaveLength(1);
  });

  it('each moment its own id: opened, acknowledged and resolved differ', () => {
    const acked = acknowledge(opened(), { type: 'human', name: 'alice' }, at(3));
    const resolved = advance(acked, 'RESOLVED', WORKFLOW, at(9), 'recovery confirmed');
    const ids = (['incident.opened', 'incident.acknowledged', 'incident.resolved'] as const).map(
      (kind) => webhookDeliveries([hook()], resolved, kind)[0]?.eventId,
    );
    expect(new Set(ids).size).toBe(3);
    expect(incidentEvent(resolved, 'incident.resolved')?.incident.status).toBe('RESOLVED');
  });

  it('nothing for a moment that has no entry yet, and nothing for a webhook filtered out by severity', () => {
    expect(webhookDeliveries([hook()], opened(), 'incident.resolved')).toEqual([]);
    expect(webhookDeliveries([hook({ severities: ['P3', 'P4'] })], opened(), 'incident.opened')).toEqual([]);
  });

  it('mitigated reports an executed action of the current firing only', () => {
    const acted = appendEntries(opened(), at(5), {
      kind: 'action',
      actor: WORKFLOW,
      summary: 'rolled checkout back',
      details: { executed: true },
    });
    expect(webhookDeliveries([hook()], acted, 'incident.mitigated')).toHaveLength(1);
    const reopened = appendEntries(acted, at(40), {
      kind: 'reopened',
      actor: { type: 'alarm', name: 'checkout-tasks' },
      summary: 'ALARM again',
      details: { alarmState: 'ALARM', stateChangedAt: at(40).toISOString() },
    });
    expect(webhookDeliveries([hook()], reopened, 'incident.mitigated')).toEqual([]);
  });
});

describe('deliveryVerdict', () => {
  it('2xx delivered; 429, 5xx and no answer retried; 4xx and 3xx refused', () => {
    expect([200, 202, 204].map((status) => deliveryVerdict({ status }))).toEqual([
      'delivered',
      'delivered',
      'delivered',
    ]);
    expect([429, 500, 503].map((status) => deliveryVerdict({ status }))).toEqual(['retry', 'retry', 'retry']);
    expect(deliveryVerdict({ status: 429, retryAfter: '3600' })).toBe('retry');
    expect(deliveryVerdict({ networkError: true })).toBe('retry');
    expect([400, 401, 404, 410, 301].map((status) => deliveryVerdict({ status }))).toEqual([
      'refused',
      'refused',
      'refused',
      'refused',
      'refused',
    ]);
  });
});

describe('signingKeys', () => {
  it('one key per line, current first, blanks and spaces ignored', () => {
    expect(signingKeys('whsec_new\n whsec_old \r\n\n')).toEqual(['whsec_new', 'whsec_old']);
    expect(signingKeys('whsec_only')).toEqual(['whsec_only']);
    expect(signingKeys(' \n')).toEqual([]);
  });
});
