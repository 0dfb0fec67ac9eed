import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_POLICY,
  retryDecision,
  SIGNATURE_HEADER,
  signatureHeaders,
  signPayload,
  TIMESTAMP_HEADER,
  verifySignature,
  webhookEvent,
  webhookEventId,
} from '../../../lambdas/domain/webhook-signature';

// 2026-12-03T14:00:00Z. The digests below were computed outside this code, with
//   printf '%s' '1796306400.<body>' | openssl dgst -sha256 -hmac '<secret>'
const TS = 1796306400;
const NOW = new Date('2026-12-03T14:00:00.000Z');
const BODY = '{"id":"evt_1","type":"incident.opened"}';
const SECRET = 'whsec_test_secret';
const NEXT_SECRET = 'whsec_next_secret';
const DIGEST = '3aa2ea949da06a4537c85c7a0684c7119b0723e13847b109eaf30ca7aa440504';
const NEXT_DIGEST = 'dbb3b2a3e1bdf310b2fe6432b390ff1cb54e432ef3962816c8c6a975d08296ed';

describe('signatureHeaders', () => {
  it('signs timestamp + "." + body with HMAC-SHA256, as openssl computes it', () => {
    expect(signatureHeaders([SECRET], TS, BODY)).toEqual({
      [TIMESTAMP_HEADER]: '1796306400',
      [SIGNATURE_HEADER]: `v1=${DIGEST}`,
    });
  });

  it('signs the UTF-8 bytes of the body', () => {
    expect(signPayload(SECRET, TS, '{"title":"café – down"}')).toBe(
      '4193f6a33c1da0bf42d8be6e6d42b06c8f30d0754cc078306a04ed578a10e948',
    );
  });

  it('carries one v1= per secret during a rotation, current first', () => {
    expect(signatureHeaders([SECRET, NEXT_SECRET], TS, BODY)[SIGNATURE_HEADER]).toBe(
      `v1=${DIGEST},v1=${NEXT_DIGEST}`,
    );
  });

  it('refuses to sign without a secret, with an empty one, or with a timestamp that is not whole seconds', () => {
    expect(() => signatureHeaders([], TS, BODY)).toThrow(/at least one secret/);
    expect(() => signatureHeaders([''], TS, BODY)).toThrow(/must not be empty/);
    expect(() => signatureHeaders([SECRET], NOW.getTime() / 1000 + 0.5, BODY)).toThrow(/whole Unix seconds/);
  });
});

describe('verifySignature', () => {
  const verify = (over: Partial<Parameters<typeof verifySignature>[0]> = {}) =>
    verifySignature({
      secrets: [SECRET],
      timestamp: String(TS),
      signature: `v1=${DIGEST}`,
      body: BODY,
      now: NOW,
      ...over,
    });

  it('accepts the openssl vector', () => {
    expect(verify()).toEqual({ ok: true });
  });

  it('accepts within the 300 s window either side of its clock, and refuses one second beyond', () => {
    expect(verify({ now: new Date(NOW.getTime() + 300_000) })).toEqual({ ok: true });
    expect(verify({ now: new Date(NOW.getTime() - 300_000) })).toEqual({ ok: true });
    expect(verify({ now: new Date(NOW.getTime() + 301_000) })).toEqual({
      ok: false,
      reason: 'outside-tolerance',
    });
    expect(verify({ now: new Date(NOW.getTime() - 301_000) })).toEqual({
      ok: false,
      reason: 'outside-tolerance',
    });
  });

  it('takes its own tolerance', () => {
    const later = new Date(NOW.getTime() + 30_000);
    expect(verify({ now: later, toleranceSeconds: 10 })).toEqual({ ok: false, reason: 'outside-tolerance' });
    expect(verify({ now: later, toleranceSeconds: 30 })).toEqual({ ok: true });
  });

  it('refuses a changed body, a changed timestamp or another secret', () => {
    expect(verify({ body: `${BODY} ` })).toEqual({ ok: false, reason: 'no-match' });
    expect(verify({ timestamp: String(TS + 1) })).toEqual({ ok: false, reason: 'no-match' });
    expect(verify({ secrets: ['whsec_other'] })).toEqual({ ok: false, reason: 'no-match' });
  });

  it('during a rotation, a receiver holding either secret accepts the two-signature header', () => {
    const signature = signatureHeaders([SECRET, NEXT_SECRET], TS, BODY)[SIGNATURE_HEADER];
    expect(verify({ signature, secrets: [SECRET] })).toEqual({ ok: true });
    expect(verify({ signature, secrets: [NEXT_SECRET] })).toEqual({ ok: true });
    expect(verify({ signature: `v1=${NEXT_DIGEST}`, secrets: [SECRET, NEXT_SECRET] })).toEqual({ ok: true });
    expect(verify({ signature, secrets: ['whsec_other'] })).toEqual({ ok: false, reason: 'no-match' });
  });

  it('ignores other schemes and stray spaces, and refuses a header with no usable v1', () => {
    expect(verify({ signature: ` v2=abc , v1=${DIGEST.toUpperCase()} ` })).toEqual({ ok: true });
    expect(verify({ signature: 'v2=abc' })).toEqual({ ok: false, reason: 'no-signature' });
    expect(verify({ signature: `v1=${DIGEST.slice(2)}` })).toEqual({ ok: false, reason: 'no-signature' });
    expect(verify({ signature: undefined })).toEqual({ ok: false, reason: 'no-signature' });
  });

  it('refuses a missing or malformed timestamp before comparing anything', () => {
    expect(verify({ timestamp: undefined })).toEqual({ ok: false, reason: 'malformed-timestamp' });
    expect(verify({ timestamp: '1796306400.5' })).toEqual({ ok: false, reason: 'malformed-timestamp' });
    expect(verify({ timestamp: '2026-12-03T14:00:00Z' })).toEqual({
      ok: false,
      reason: 'malformed-timestamp',
    });
  });
});

describe('webhookEvent', () => {
  const incident = {
    id: 'INC-20261203-004',
    title: 'checkout: error rate above 10%',
    service: 'checkout',
    severity: 'P2',
    status: 'DETECTED',
  } as const;
  const entry = { seq: 1, at: '2026-12-03T13:58:00.000Z', summary: 'Opened from checkout-error-rate' };

  it('builds the same envelope, id included, every time it is built for the same entry', () => {
    const first = webhookEvent('incident.opened', incident, entry);
    const retry = webhookEvent('incident.opened', { ...incident, status: 'DETECTED' }, { ...entry });
    expect(JSON.stringify(retry)).toBe(JSON.stringify(first));
    expect(first).toEqual({
      id: webhookEventId(incident.id, 'incident.opened', 1),
      type: 'incident.opened',
      occurredAt: '2026-12-03T13:58:00.000Z',
      incident,
      entry,
    });
    expect(first.id).toMatch(/^evt_[0-9a-f]{32}$/);
  });

  it('gives another id to another kind, another entry or another incident', () => {
    const ids = new Set([
      webhookEventId(incident.id, 'incident.opened', 1),
      webhookEventId(incident.id, 'incident.acknowledged', 1),
      webhookEventId(incident.id, 'incident.opened', 2),
      webhookEventId('INC-20261203-005', 'incident.opened', 1),
    ]);
    expect(ids.size).toBe(4);
  });

  it('keeps only the incident facts it names', () => {
    const event = webhookEvent('incident.resolved', { ...incident, secret: 'x' } as typeof incident, entry);
    expect(Object.keys(event.incident).sort()).toEqual(['id', 'service', 'severity', 'status', 'title']);
  });
});

describe('retryDecision', () => {
  it('retries 5xx and network errors with doubling backoff, then stops at the attempt budget', () => {
    expect(retryDecision({ status: 500 }, 1)).toEqual({ retry: true, delayMs: 500 });
    expect(retryDecision({ status: 503 }, 2)).toEqual({ retry: true, delayMs: 1000 });
    expect(retryDecision({ networkError: true }, 3)).toEqual({ retry: true, delayMs: 2000 });
    expect(retryDecision({ status: 502 }, DEFAULT_RETRY_POLICY.maxAttempts)).toEqual({
      retry: false,
      reason: 'attempts-exhausted',
    });
  });

  it('caps the backoff at maxDelayMs', () => {
    const policy = { maxAttempts: 10, baseDelayMs: 1000, maxDelayMs: 5000 };
    expect(retryDecision({ status: 500 }, 6, policy)).toEqual({ retry: true, delayMs: 5000 });
  });

  it('waits the Retry-After seconds of a 429 or a 503, and gives up when they exceed the longest wait', () => {
    expect(retryDecision({ status: 429, retryAfter: '3' }, 1)).toEqual({ retry: true, delayMs: 3000 });
    expect(retryDecision({ status: 503, retryAfter: '0' }, 1)).toEqual({ retry: true, delayMs: 0 });
    expect(retryDecision({ status: 429, retryAfter: null }, 2)).toEqual({ retry: true, delayMs: 1000 });
    expect(retryDecision({ status: 429, retryAfter: 'Wed, 21 Oct 2026 07:28:00 GMT' }, 1)).toEqual({
      retry: true,
      delayMs: 500,
    });
    expect(retryDecision({ status: 429, retryAfter: '60' }, 1)).toEqual({
      retry: false,
      reason: 'retry-after-too-long',
    });
  });

  it('never retries another 4xx', () => {
    for (const status of [400, 401, 403, 404, 408, 409, 410, 422]) {
      expect(retryDecision({ status }, 1)).toEqual({ retry: false, reason: 'client-error' });
    }
  });

  it('has nothing to retry for a success or a redirect', () => {
    expect(retryDecision({ status: 201 }, 1)).toEqual({ retry: false, reason: 'not-an-error' });
    expect(retryDecision({ status: 304 }, 1)).toEqual({ retry: false, reason: 'not-an-error' });
  });
});
