/**
 * Queues the incident's webhook events (issue 15) where the lifecycle reaches each moment: announce
 * (opened, or reopened), an acknowledgement, a fired escalation step or status update, the wait for
 * recovery after an executed action (mitigated), and resolve. Only queued here: the delivery function
 * signs and sends them, and SQS retries them (lib/constructs/webhook-delivery.ts).
 *
 * Best effort, as the tickets: a failed SendMessage goes on the timeline and to the operators (a
 * page), never out of the step. A step run twice queues the same event again, with the same id and
 * body (both derive from the timeline entry that caused it): receivers dedupe on the id.
 */
import { operatorTiers } from '../../domain/escalation';
import { appendEntries } from '../../domain/incident';
import type { WebhookEventKind } from '../../domain/webhook-signature';
import { type WebhookDelivery, webhookDeliveries } from '../../domain/webhooks';
import { type LifecycleDeps, load, WORKFLOW } from './deps';
import { page } from './paging';

const reportFailure = async (
  deps: LifecycleDeps,
  incidentId: string,
  delivery: WebhookDelivery,
  error: unknown,
): Promise<void> => {
  const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const name = error instanceof Error ? error.name : 'Error';
  const failed = await deps.incidents.update(incidentId, (i, at) =>
    appendEntries(i, at, {
      kind: 'error',
      actor: WORKFLOW,
      summary: `webhook ${delivery.webhook}: ${delivery.type} (${delivery.eventId}) not queued: ${why}`,
      details: { step: 'webhook', error: name },
    }),
  );
  const tiers = operatorTiers(deps.config.escalation, Object.keys(deps.config.contacts));
  try {
    await page(deps, failed, 'ESCALATION', tiers, {
      why: `webhook ${delivery.webhook} was not sent ${delivery.type}: ${why}`,
    });
  } catch {
    // page() has put each failed page on the timeline; the step goes on.
  }
};

/**
 * Queues `kind` of the incident for every webhook that takes it at the incident's severity. Never
 * throws for a queue failure (it is reported instead; only a record that cannot be written fails the
 * step, as any step's would); nothing without webhooks.
 */
export const emitWebhooks = async (
  deps: LifecycleDeps,
  incidentId: string,
  kind: WebhookEventKind,
): Promise<void> => {
  const ports = deps.webhooks;
  if (ports === undefined || !ports.webhooks.some((w) => w.events.includes(kind))) return;
  const deliveries = webhookDeliveries(ports.webhooks, await load(deps, incidentId), kind);
  for (const delivery of deliveries) {
    try {
      await ports.queue.enqueue(delivery);
    } catch (error) {
      await reportFailure(deps, incidentId, delivery, error);
    }
  }
};
