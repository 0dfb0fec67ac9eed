/**
 * Outbound webhooks (issue 15): how a delivery is signed and checked, the event envelope with an id
 * that stays the same across retries, and when a failed call is retried.
 *
 * Signature scheme, `v1`: `X-Incident-Timestamp` is the delivery time in Unix seconds and
 * `X-Incident-Signature` is `v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>`. While a secret is
 * rotated the header carries one `v1=` per secret, comma-separated, so a receiver holding either the
 * old or the new secret accepts the delivery. The timestamp is signed with the body, so a receiver
 * that checks it against a tolerance window refuses a captured delivery replayed later.
 *
 * Pure apart from node:crypto (no SDK, no env, no clock: every time is handed in).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Status } from './lifecycle';
import type { Severity } from './severity';

/** The delivery time in Unix seconds, signed with the body. */
export const TIMESTAMP_HEADER = 'X-Incident-Timestamp';
/** One or more `v1=<hex>` values, comma-separated. */
export const SIGNATURE_HEADER = 'X-Incident-Signature';
/** The scheme this module signs and verifies. */
export const SIGNATURE_SCHEME = 'v1';

/** The window a receiver accepts a timestamp in, either side of its own clock. @default 300 s */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The events a webhook can subscribe to. */
export const WEBHOOK_EVENT_KINDS = [
  'incident.opened',
  'incident.acknowledged',
  'incident.escalated',
  'incident.mitigated',
  'incident.resolved',
  'incident.reopened',
  'incident.status-update',
] as const;
/** One of WEBHOOK_EVENT_KINDS. */
export type WebhookEventKind = (typeof WEBHOOK_EVENT_KINDS)[number];

const HEX_DIGEST = /^[0-9a-f]{64}$/;

const assertTimestamp = (timestamp: number): void => {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RangeError(`timestamp must be whole Unix seconds, got ${timestamp}`);
  }
};

/** The hex HMAC-SHA256 of `${timestamp}.${body}` under `secret`. */
export const signPayload = (secret: string, timestamp: number, body: string): string => {
  assertTimestamp(timestamp);
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
};

/**
 * The two headers of a delivery: the timestamp, and one `v1=` signature per secret (current first,
 * then any still being rotated out). At least one secret is required.
 */
export const signatureHeaders = (
  secrets: readonly string[],
  timestamp: number,
  body: string,
): Readonly<Record<typeof TIMESTAMP_HEADER | typeof SIGNATURE_HEADER, string>> => {
  if (secrets.length === 0) throw new RangeError('signing needs at least one secret');
  if (secrets.some((s) => s.length === 0)) throw new RangeError('a signing secret must not be empty');
  return {
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: secrets
      .map((secret) => `${SIGNATURE_SCHEME}=${signPayload(secret, timestamp, body)}`)
      .join(','),
  };
};

/** Why a delivery was refused; `ok` when one of its signatures matched in time. */
export type VerifyResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: 'malformed-timestamp' | 'outside-tolerance' | 'no-signature' | 'no-match';
    };

/** What a receiver checks a delivery with. */
export interface VerifyInput {
  /** The secrets the receiver holds: a match with any of them is enough. */
  readonly secrets: readonly string[];
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  /** The raw body exactly as received (not parsed and re-serialized). */
  readonly body: string;
  readonly now: Date;
  /** @default DEFAULT_TOLERANCE_SECONDS */
  readonly toleranceSeconds?: number;
}

/**
 * What a receiver does with a delivery: the timestamp within the tolerance window of `now`, and one
 * `v1=` value equal, compared in constant time, to the HMAC under one of `secrets`. Values of other
 * schemes are ignored, so a later `v2` can be sent beside `v1`.
 */
export const verifySignature = (input: VerifyInput): VerifyResult => {
  const raw = input.timestamp?.trim() ?? '';
  if (!/^\d{1,15}$/.test(raw)) return { ok: false, reason: 'malformed-timestamp' };
  const timestamp = Number(raw);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(input.now.getTime() / 1000 - timestamp) > tolerance) {
    return { ok: false, reason: 'outside-tolerance' };
  }
  const received = (input.signature ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${SIGNATURE_SCHEME}=`))
    .map((part) => part.slice(SIGNATURE_SCHEME.length + 1).toLowerCase())
    .filter((hex) => HEX_DIGEST.test(hex))
    .map((hex) => Buffer.from(hex, 'hex'));
  if (received.length === 0) return { ok: false, reason: 'no-signature' };
  const expected = input.secrets
    .filter((s) => s.length > 0)
    .map((secret) => Buffer.from(signPayload(secret, timestamp, input.body), 'hex'));
  // Every pair is compared, so the time taken does not tell which secret or value matched.
  let matched = false;
  for (const want of expected) {
    for (const got of received) {
      if (timingSafeEqual(want, got)) matched = true;
    }
  }
  return matched ? { ok: true } : { ok: false, reason: 'no-match' };
};

/** What a webhook tells of the incident: enough to route and display, nothing internal. */
export interface WebhookIncident {
  readonly id: string;
  readonly title: string;
  readonly service: string;
  readonly severity: Severity;
  readonly status: Status;
}

/** The timeline entry that caused the event (its `seq` is unique within the incident). */
export interface WebhookEntry {
  readonly seq: number;
  readonly at: string;
  readonly summary: string;
}

/** The JSON body of a delivery. */
export interface WebhookEvent {
  /** `evt_` + 32 hex: the same for every retry and redelivery of this event, so receivers can dedupe. */
  readonly id: string;
  readonly type: WebhookEventKind;
  /** When the timeline entry was stamped, not when the delivery was sent: retries send the same body. */
  readonly occurredAt: string;
  readonly incident: WebhookIncident;
  readonly entry: WebhookEntry;
}

/** The stable id of the event `kind` caused by timeline entry `seq` of incident `incidentId`. */
export const webhookEventId = (incidentId: string, kind: WebhookEventKind, seq: number): string =>
  `evt_${createHash('sha256').update(`${incidentId}\n${kind}\n${seq}`, 'utf8').digest('hex').slice(0, 32)}`;

/** The envelope of one event; everything in it comes from the incident and the entry, nothing from the clock. */
export const webhookEvent = (
  kind: WebhookEventKind,
  incident: WebhookIncident,
  entry: WebhookEntry,
): WebhookEvent => ({
  id: webhookEventId(incident.id, kind, entry.seq),
  type: kind,
  occurredAt: entry.at,
  incident: {
    id: incident.id,
    title: incident.title,
    service: incident.service,
    severity: incident.severity,
    status: incident.status,
  },
  entry: { seq: entry.seq, at: entry.at, summary: entry.summary },
});

/** How an outbound call (a webhook delivery, a ticket API request) ended when it did not succeed. */
export type CallOutcome =
  | { readonly status: number; readonly retryAfter?: string | null }
  | { readonly networkError: true };

/** How many attempts, and how long to wait between them. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** The wait after the first failure; doubled after each further one. */
  readonly baseDelayMs: number;
  /** The longest wait, and the longest Retry-After honoured: a longer one ends the retries. */
  readonly maxDelayMs: number;
}

/** 4 attempts, waiting 0.5 s, 1 s, 2 s, at most 10 s. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 10_000 };

/** Try again after `delayMs`, or stop, and why. */
export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number }
  | {
      readonly retry: false;
      readonly reason: 'not-an-error' | 'client-error' | 'attempts-exhausted' | 'retry-after-too-long';
    };

/** Retry-After in whole seconds; the HTTP-date form is not used by the APIs we call and reads as absent. */
const retryAfterMs = (value: string | null | undefined): number | undefined =>
  value !== undefined && value !== null && /^\s*\d+\s*$/.test(value) ? Number(value) * 1000 : undefined;

/**
 * Whether to try again after `attempt` (1-based) ended in `outcome`: a network error, a 5xx or a 429
 * is retried with exponential backoff, or after the Retry-After seconds when the server sent them;
 * any other 4xx never is (the same request would fail the same way). Deterministic: no jitter.
 */
export const retryDecision = (
  outcome: CallOutcome,
  attempt: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): RetryDecision => {
  if ('status' in outcome) {
    if (outcome.status < 400) return { retry: false, reason: 'not-an-error' };
    if (outcome.status < 500 && outcome.status !== 429) return { retry: false, reason: 'client-error' };
  }
  if (attempt >= policy.maxAttempts) return { retry: false, reason: 'attempts-exhausted' };
  const backoff = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  const asked = 'status' in outcome ? retryAfterMs(outcome.retryAfter) : undefined;
  if (asked === undefined) return { retry: true, delayMs: backoff };
  if (asked > policy.maxDelayMs) return { retry: false, reason: 'retry-after-too-long' };
  return { retry: true, delayMs: asked };
};
