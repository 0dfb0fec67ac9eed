/**
 * Which lifecycle moments become outbound webhook events (issue 15), for which webhooks, and what a
 * finished delivery attempt means. Pure: the caller hands in the incident and the webhooks' config.
 *
 * Each event is tied to the timeline entry that caused it, and its id is derived from that entry
 * (webhookEventId: incident id, kind, entry seq): a retried step, a redelivered queue message and a
 * retried HTTP call all carry the same id and the same body, so a receiver dedupes on `id`.
 */
import type { Incident } from './incident-record';
import type { Severity } from './severity';
import { lastResolution, type TimelineEntry } from './timeline';
import {
  type CallOutcome,
  type WebhookEvent,
  type WebhookEventKind,
  webhookEvent,
} from './webhook-signature';

/** What the domain needs of one configured webhook (config-schema-integrations.ts). */
export interface WebhookSubscription {
  readonly name: string;
  readonly events: readonly WebhookEventKind[];
  /** Absent: every severity. */
  readonly severities?: readonly Severity[];
}

/** One queued delivery: which webhook, and the exact body every attempt sends and signs. */
export interface WebhookDelivery {
  readonly webhook: string;
  readonly eventId: string;
  readonly type: WebhookEventKind;
  /** JSON of the {@link WebhookEvent}, serialized once, so every retry signs the same bytes. */
  readonly body: string;
}

const last = (
  timeline: readonly TimelineEntry[],
  match: (e: TimelineEntry) => boolean,
): TimelineEntry | undefined => timeline.findLast(match);

const pageOf = (kind: string) => (e: TimelineEntry) => e.kind === 'page' && e.details?.kind === kind;

/**
 * The timeline entry that `kind` reports: the opening alarm (opened), the latest reopen, the latest
 * acknowledgement, the latest executed automatic action since the incident last (re)opened
 * (mitigated), the latest move to RESOLVED,
 * the latest ESCALATION page (escalated) or UPDATE page (status update). None when the incident has
 * no such entry (nothing is sent).
 */
export const causingEntry = (incident: Incident, kind: WebhookEventKind): TimelineEntry | undefined => {
  const { timeline } = incident;
  switch (kind) {
    case 'incident.opened':
      return timeline.find((e) => e.kind === 'detected');
    case 'incident.reopened':
      return last(timeline, (e) => e.kind === 'reopened');
    case 'incident.acknowledged':
      return last(timeline, (e) => e.kind === 'acknowledged');
    case 'incident.mitigated': {
      // Of the current firing only: a reopened incident is not mitigated by the action of its last one.
      const since = timeline.findLastIndex((e) => e.kind === 'reopened');
      return last(timeline.slice(since + 1), (e) => e.kind === 'action' && e.details?.executed === true);
    }
    case 'incident.resolved':
      return lastResolution(incident)?.entry;
    case 'incident.escalated':
      return last(timeline, pageOf('ESCALATION'));
    case 'incident.status-update':
      return last(timeline, pageOf('UPDATE'));
  }
};

/** Whether `webhook` takes `kind` events of an incident of `severity`. */
export const subscribes = (
  webhook: WebhookSubscription,
  kind: WebhookEventKind,
  severity: Severity,
): boolean => webhook.events.includes(kind) && (webhook.severities?.includes(severity) ?? true);

/** The event `kind` of `incident`, or undefined when no timeline entry reports it yet. */
export const incidentEvent = (incident: Incident, kind: WebhookEventKind): WebhookEvent | undefined => {
  const entry = causingEntry(incident, kind);
  return entry === undefined
    ? undefined
    : webhookEvent(kind, incident, { seq: entry.seq, at: entry.at, summary: entry.summary });
};

/** One delivery per webhook that subscribes to `kind` at the incident's severity; none without a causing entry. */
export const webhookDeliveries = (
  webhooks: readonly WebhookSubscription[],
  incident: Incident,
  kind: WebhookEventKind,
): WebhookDelivery[] => {
  const targets = webhooks.filter((w) => subscribes(w, kind, incident.severity));
  if (targets.length === 0) return [];
  const event = incidentEvent(incident, kind);
  if (event === undefined) return [];
  const body = JSON.stringify(event);
  return targets.map((w) => ({ webhook: w.name, eventId: event.id, type: kind, body }));
};

/**
 * What a delivery attempt's outcome means: a 2xx is delivered; a 429, a 5xx, a timeout or a network
 * error is retried (by the queue, later); any other status (a 4xx, or a 3xx: redirects are not
 * followed, the signature names one URL) is refused: the same request would fail the same way.
 */
export type DeliveryVerdict = 'delivered' | 'retry' | 'refused';

export const deliveryVerdict = (outcome: CallOutcome): DeliveryVerdict => {
  if (!('status' in outcome)) return 'retry';
  if (outcome.status >= 200 && outcome.status < 300) return 'delivered';
  return outcome.status === 429 || outcome.status >= 500 ? 'retry' : 'refused';
};

/**
 * The signing keys a webhook's secret holds: one per line, current first. During a rotation the
 * secret holds the new key and the old one, every delivery is signed with both (one `v1=` each), and
 * the old line is removed once every receiver has the new key. Blank lines and spaces around a key
 * are ignored.
 */
export const signingKeys = (secretString: string): string[] =>
  secretString
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
