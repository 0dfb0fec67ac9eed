import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IncidentError, ValidationError } from '../../../lambdas/domain/errors';
import {
  actionUrl,
  incidentPageUrl,
  LinkRejectedError,
  type LinkRejection,
  linkFor,
  signLink,
  signViewLink,
  verifyLink,
  verifyViewLink,
  viewLinkFor,
} from '../../../lambdas/domain/links';
import type { LinkClaims, ViewClaims } from '../../../lambdas/domain/responder-actions';

const SECRET = 'k3y-for-tests-only-0123456789abcdefghijklmn';
const OTHER_SECRET = 'another-secret-for-tests-0123456789abcdefg';
const now = new Date('2026-11-23T10:00:00.000Z');
const nowSeconds = now.getTime() / 1000;

const claims: LinkClaims = {
  v: 1,
  inc: 'INC-20261123-001',
  act: 'ack',
  to: 'on-call',
  exp: nowSeconds + 3600,
  jti: 'jti-0001',
};

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
/** Signs any payload text with the real algorithm: what a holder of the secret could produce. */
const signRaw = (payload: string, secret = SECRET): string =>
  `${payload}.${createHmac('sha256', secret).update(payload).digest('base64url')}`;

const rejection = (fn: () => unknown): LinkRejection => {
  try {
    fn();
  } catch (error) {
    if (error instanceof LinkRejectedError) return error.reason;
    throw error;
  }
  throw new Error('expected a LinkRejectedError, got none');
};

const flip = (c: string): string => (c === 'A' ? 'B' : 'A');

describe('signLink / verifyLink', () => {
  it('round-trips the claims through a compact two-part base64url token', () => {
    const token = signLink(claims, SECRET);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyLink(token, SECRET, now)).toEqual(claims);
  });

  it('gives the same token for the same claims whatever their key order', () => {
    const reordered: LinkClaims = {
      jti: claims.jti,
      exp: claims.exp,
      to: claims.to,
      act: claims.act,
      inc: claims.inc,
      v: 1,
    };
    expect(signLink(reordered, SECRET)).toBe(signLink(claims, SECRET));
  });

  it('accepts a link up to the second before exp and refuses it from exp on', () => {
    const token = signLink(claims, SECRET);
    expect(verifyLink(token, SECRET, new Date((claims.exp - 1) * 1000)).jti).toBe('jti-0001');
    expect(rejection(() => verifyLink(token, SECRET, new Date(claims.exp * 1000)))).toBe('expired');
    expect(rejection(() => verifyLink(token, SECRET, new Date((claims.exp + 86_400) * 1000)))).toBe(
      'expired',
    );
  });

  it.each<[string, Partial<LinkClaims>]>([
    ['another action', { act: 'resolve' }],
    ['another incident', { inc: 'INC-20261123-002' }],
    ['another recipient', { to: 'engineering-manager' }],
    ['a later expiry', { exp: nowSeconds + 999_999 }],
    ['another jti', { jti: 'jti-0002' }],
  ])('refuses a payload changed to %s without re-signing', (_name, change) => {
    const [, sig] = signLink(claims, SECRET).split('.');
    const forged = `${b64({ ...claims, ...change })}.${sig}`;
    expect(rejection(() => verifyLink(forged, SECRET, now))).toBe('bad-signature');
    // The same change signed with the secret is accepted: the signature is the only thing refusing it.
    expect(verifyLink(signLink({ ...claims, ...change }, SECRET), SECRET, now)).toMatchObject(change);
  });

  it('refuses one changed character anywhere in the payload or the signature', () => {
    const token = signLink(claims, SECRET);
    const dot = token.indexOf('.');
    for (const i of [0, Math.floor(dot / 2), dot - 1, dot + 1, dot + 20, token.length - 1]) {
      const tampered = `${token.slice(0, i)}${flip(token[i] ?? '')}${token.slice(i + 1)}`;
      expect(rejection(() => verifyLink(tampered, SECRET, now))).toBe('bad-signature');
    }
  });

  it('refuses a signature spelled differently even where it decodes to the same bytes', () => {
    const token = signLink(claims, SECRET);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 32 bytes take 43 characters; the last one's two low bits are padding, so its neighbour decodes the same.
    const last = token.at(-1) ?? '';
    const twin = `${token.slice(0, -1)}${alphabet[alphabet.indexOf(last) + 1]}`;
    const sigBytes = (t: string) => Buffer.from(t.split('.')[1] ?? '', 'base64url');
    expect(sigBytes(twin).equals(sigBytes(token))).toBe(true);
    expect(rejection(() => verifyLink(twin, SECRET, now))).toBe('bad-signature');
  });

  it('refuses truncated tokens', () => {
    const token = signLink(claims, SECRET);
    const [payload = '', sig = ''] = token.split('.');
    expect(rejection(() => verifyLink(token.slice(0, -1), SECRET, now))).toBe('bad-signature');
    expect(rejection(() => verifyLink(`${payload.slice(0, -4)}.${sig}`, SECRET, now))).toBe('bad-signature');
    expect(rejection(() => verifyLink(payload, SECRET, now))).toBe('malformed');
    expect(rejection(() => verifyLink(`${payload}.`, SECRET, now))).toBe('malformed');
  });

  it('refuses a token signed with another secret', () => {
    const token = signLink(claims, OTHER_SECRET);
    expect(verifyLink(token, OTHER_SECRET, now)).toEqual(claims);
    expect(rejection(() => verifyLink(token, SECRET, now))).toBe('bad-signature');
  });

  it.each([
    ['empty', ''],
    ['one part', 'abc'],
    ['three parts', 'a.b.c'],
    ['only dots', '..'],
    ['empty payload', '.abc'],
    ['spaces', 'a b.c d'],
    ['standard base64 padding', 'YWJj.ZGVm=='],
    ['a JWT-looking string with +/', 'eyJ+/.abc'],
    ['far too long', `${'a'.repeat(5000)}.b`],
  ])('refuses garbage (%s) as malformed', (_name, token) => {
    expect(rejection(() => verifyLink(token, SECRET, now))).toBe('malformed');
  });

  it('refuses a well-signed token of an unknown version, but only after checking the signature', () => {
    const v2 = b64({ ...claims, v: 2 });
    expect(rejection(() => verifyLink(signRaw(v2), SECRET, now))).toBe('unknown-version');
    expect(rejection(() => verifyLink(signRaw(v2, OTHER_SECRET), SECRET, now))).toBe('bad-signature');
  });

  it.each<[string, string]>([
    ['a payload that is not JSON', Buffer.from('not json', 'utf8').toString('base64url')],
    ['a JSON array', b64([1, 2])],
    ['no version', b64({ ...claims, v: undefined })],
    ['an incident id off the pattern', b64({ ...claims, inc: 'INC-2026-1' })],
    ['an unknown action', b64({ ...claims, act: 'delete' })],
    ['an empty recipient', b64({ ...claims, to: '' })],
    ['a fractional expiry', b64({ ...claims, exp: nowSeconds + 0.5 })],
    ['an expiry as text', b64({ ...claims, exp: String(nowSeconds + 60) })],
    ['an empty jti', b64({ ...claims, jti: '' })],
    ['an extra claim', b64({ ...claims, admin: true })],
  ])('refuses a correctly signed token with %s as malformed', (_name, payload) => {
    expect(rejection(() => verifyLink(signRaw(payload), SECRET, now))).toBe('malformed');
  });

  it('reports rejections in the one error family, with the reason in the message', () => {
    const error = (() => {
      try {
        verifyLink('garbage', SECRET, now);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(IncidentError);
    expect(error).toMatchObject({ name: 'LinkRejectedError', reason: 'malformed' });
    expect((error as Error).message).toContain('malformed');
  });

  it('will not sign claims that could never verify, naming each bad field', () => {
    const bad = { ...claims, inc: 'nope', act: 'delete', jti: '' } as unknown as LinkClaims;
    expect(() => signLink(bad, SECRET)).toThrow(ValidationError);
    try {
      signLink(bad, SECRET);
    } catch (e) {
      expect((e as ValidationError).problems.map((p) => p.path).sort()).toEqual(['act', 'inc', 'jti']);
    }
  });

  it('refuses a secret shorter than 32 characters, to sign or to verify', () => {
    expect(() => signLink(claims, 'short')).toThrow(RangeError);
    expect(() => verifyLink(signLink(claims, SECRET), 'x'.repeat(31), now)).toThrow(RangeError);
  });
});

describe('linkFor', () => {
  const input = {
    incidentId: 'INC-20261123-001',
    action: 'escalate',
    recipient: 'on-call',
    now,
    ttlMinutes: 60,
    jti: 'jti-abc',
  } as const;

  it('signs claims for the action, recipient and jti, expiring ttlMinutes after now', () => {
    expect(verifyLink(linkFor(input, SECRET), SECRET, now)).toEqual({
      v: 1,
      inc: 'INC-20261123-001',
      act: 'escalate',
      to: 'on-call',
      exp: nowSeconds + 3600,
      jti: 'jti-abc',
    });
    const token = linkFor(input, SECRET);
    expect(verifyLink(token, SECRET, new Date(now.getTime() + 59 * 60_000)).act).toBe('escalate');
    expect(rejection(() => verifyLink(token, SECRET, new Date(now.getTime() + 60 * 60_000)))).toBe('expired');
  });

  it('gives each jti its own token', () => {
    expect(linkFor(input, SECRET)).not.toBe(linkFor({ ...input, jti: 'jti-def' }, SECRET));
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])('refuses ttlMinutes %s', (ttlMinutes) => {
    expect(() => linkFor({ ...input, ttlMinutes }, SECRET)).toThrow(RangeError);
  });
});

describe('actionUrl', () => {
  const token = signLink(claims, SECRET);

  it.each([
    ['https://ir.example.com', `https://ir.example.com/a/${token}`],
    ['https://ir.example.com/', `https://ir.example.com/a/${token}`],
    [
      'https://abc123.execute-api.eu-west-1.amazonaws.com/prod',
      `https://abc123.execute-api.eu-west-1.amazonaws.com/prod/a/${token}`,
    ],
    ['http://127.0.0.1:8787', `http://127.0.0.1:8787/a/${token}`],
    ['http://localhost:3000/', `http://localhost:3000/a/${token}`],
  ])('%s -> base/a/token', (base, url) => {
    expect(actionUrl(base, token)).toBe(url);
  });

  it.each([
    'http://ir.example.com',
    'http://10.0.0.5',
    'ftp://ir.example.com',
    'javascript:alert(1)',
    'ir.example.com',
    '',
    'https://ir.example.com/?x=1',
    'https://ir.example.com/#frag',
    'https://user:pass@ir.example.com',
  ])('refuses base %j', (base) => {
    expect(() => actionUrl(base, token)).toThrow(RangeError);
  });

  it.each(['', 'abc', 'a.b.c', 'a/b.c', 'a.b?x=1'])('refuses token %j', (bad) => {
    expect(() => actionUrl('https://ir.example.com', bad)).toThrow(RangeError);
  });

  it('builds a URL whose token verifies', () => {
    const url = actionUrl('https://ir.example.com', token);
    expect(verifyLink(url.slice(url.lastIndexOf('/') + 1), SECRET, now)).toEqual(claims);
  });
});

describe('incident page links (read-only)', () => {
  const view: ViewClaims = { v: 1, inc: claims.inc, ro: true, to: 'alice-ng', exp: nowSeconds + 3600 };

  it('round-trips the read-only claims, and verifies again and again until exp (nothing is spent)', () => {
    const token = signViewLink(view, SECRET);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    for (let i = 0; i < 3; i++) expect(verifyViewLink(token, SECRET, now)).toEqual(view);
    expect(verifyViewLink(token, SECRET, new Date((view.exp - 1) * 1000)).to).toBe('alice-ng');
    expect(rejection(() => verifyViewLink(token, SECRET, new Date(view.exp * 1000)))).toBe('expired');
  });

  it('refuses a tampered view token, and one signed with another secret', () => {
    const token = signViewLink(view, SECRET);
    const [payload = '', sig = ''] = token.split('.');
    const other = b64({ ...view, inc: 'INC-20261123-002' });
    expect(rejection(() => verifyViewLink(`${other}.${sig}`, SECRET, now))).toBe('bad-signature');
    expect(
      rejection(() => verifyViewLink(`${payload}.${flip(sig[0] ?? '')}${sig.slice(1)}`, SECRET, now)),
    ).toBe('bad-signature');
    expect(rejection(() => verifyViewLink(signViewLink(view, OTHER_SECRET), SECRET, now))).toBe(
      'bad-signature',
    );
  });

  it('never takes an action token for a view token, nor a view token for an action token', () => {
    const actionToken = signLink(claims, SECRET);
    const viewToken = signViewLink(view, SECRET);
    expect(rejection(() => verifyViewLink(actionToken, SECRET, now))).toBe('malformed');
    expect(rejection(() => verifyLink(viewToken, SECRET, now))).toBe('malformed');
    // Not even a correctly signed mix of both: each kind has its own strict set of claims.
    const both = signRaw(b64({ ...claims, ro: true }));
    expect(rejection(() => verifyViewLink(both, SECRET, now))).toBe('malformed');
    expect(rejection(() => verifyLink(both, SECRET, now))).toBe('malformed');
    expect(rejection(() => verifyViewLink(signRaw(b64({ ...view, ro: false })), SECRET, now))).toBe(
      'malformed',
    );
  });

  it('signs for the incident and recipient, expiring ttlMinutes after now, as a /i/ URL', () => {
    const token = viewLinkFor({ incidentId: claims.inc, recipient: 'alice-ng', now, ttlMinutes: 60 }, SECRET);
    expect(verifyViewLink(token, SECRET, now)).toEqual(view);
    expect(viewLinkFor({ incidentId: claims.inc, recipient: 'alice-ng', now, ttlMinutes: 60 }, SECRET)).toBe(
      token,
    );
    expect(incidentPageUrl('https://ir.example.com/prod/', token)).toBe(
      `https://ir.example.com/prod/i/${token}`,
    );
    expect(() => incidentPageUrl('http://ir.example.com', token)).toThrow(RangeError);
    expect(() =>
      viewLinkFor({ incidentId: claims.inc, recipient: 'alice-ng', now, ttlMinutes: 0 }, SECRET),
    ).toThrow(RangeError);
  });

  it('will not sign read-only claims that could never verify', () => {
    expect(() => signViewLink({ ...view, inc: 'nope', to: '' }, SECRET)).toThrow(/inc.*to|to.*inc/s);
  });
});
