/**
 * Signed one-click links for pages: a compact token `base64url(JSON(claims)).base64url(HMAC-SHA256)`
 * bound to one incident, one action and one recipient, with an expiry. The token says nothing the
 * recipient does not already know, so it is signed, not encrypted. Single use is the store's job: it
 * refuses a `jti` it has seen, for as long as the link could still verify (until `exp`).
 *
 * The incident page's link (`/i/<token>`) is signed the same way with the same secret, but carries
 * read-only claims ({@link ViewClaims}): no action, no `jti`, reusable until `exp`. Each kind is read
 * with its own strict schema, so neither token passes for the other.
 *
 * Pure: the clock reading and the link's unique id are handed in; HMAC is deterministic.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import { IncidentError } from './errors';
import { INCIDENT_ID_PATTERN } from './ids';
import {
  type LinkClaims,
  RESPONDER_ACTIONS,
  type ResponderAction,
  type ViewClaims,
} from './responder-actions';
import { parseOrThrow, problemsFromZod } from './validation';

export const LINK_REJECTIONS = ['malformed', 'bad-signature', 'expired', 'unknown-version'] as const;
export type LinkRejection = (typeof LINK_REJECTIONS)[number];

/** A link that must not be acted on; `reason` says why (the responder endpoint maps it to its reply). */
export class LinkRejectedError extends IncidentError {
  constructor(
    readonly reason: LinkRejection,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`link rejected (${reason}): ${message}`, options);
  }
}

/** The shortest secret accepted: 32 characters, e.g. `randomBytes(32).toString('base64url')` gives 43. */
export const MIN_SECRET_LENGTH = 32;

/** Longer than any token this module signs; anything longer is refused before any work is done. */
const MAX_TOKEN_LENGTH = 2048;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const incidentClaim = z
  .string()
  .check(z.regex(INCIDENT_ID_PATTERN, 'must be an incident id INC-YYYYMMDD-NNN'));
const recipientClaim = z.string().check(z.minLength(1), z.maxLength(200));
const expiryClaim = z.number().check(z.int(), z.positive());

const claimsSchema = z.strictObject({
  v: z.literal(1),
  inc: incidentClaim,
  act: z.enum(RESPONDER_ACTIONS),
  to: recipientClaim,
  exp: expiryClaim,
  jti: z.string().check(z.minLength(1), z.maxLength(200)),
}) satisfies z.ZodMiniType<LinkClaims>;

const viewClaimsSchema = z.strictObject({
  v: z.literal(1),
  inc: incidentClaim,
  ro: z.literal(true),
  to: recipientClaim,
  exp: expiryClaim,
}) satisfies z.ZodMiniType<ViewClaims>;

const checkSecret = (secret: string): void => {
  if (secret.length < MIN_SECRET_LENGTH)
    throw new RangeError(`link secret must be at least ${MIN_SECRET_LENGTH} characters`);
};

const signature = (payload: string, secret: string): string =>
  createHmac('sha256', secret).update(payload).digest('base64url');

const signed = (claims: object, secret: string): string => {
  const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return `${payload}.${signature(payload, secret)}`;
};

const describe = (error: z.core.$ZodError): string =>
  problemsFromZod(error)
    .map((p) => `${p.path || '(root)'}: ${p.message}`)
    .join('; ');

/**
 * Signs `claims` into a token. The claims are checked first (with the schema `verifyLink` uses), so a
 * link that could never be accepted is never sent: bad claims throw ValidationError naming each field.
 * Throws RangeError for a secret shorter than MIN_SECRET_LENGTH.
 */
export const signLink = (claims: LinkClaims, secret: string): string => {
  checkSecret(secret);
  const { v, inc, act, to, exp, jti } = parseOrThrow(claimsSchema, claims, 'link claims');
  // A fixed key order, so the same claims always give the same token.
  return signed({ v, inc, act, to, exp, jti }, secret);
};

/** Signs the read-only claims of an incident page link, checked as `signLink` checks its claims. */
export const signViewLink = (claims: ViewClaims, secret: string): string => {
  checkSecret(secret);
  const { v, inc, ro, to, exp } = parseOrThrow(viewClaimsSchema, claims, 'view link claims');
  return signed({ v, inc, ro, to, exp }, secret);
};

/** Checks `token` against `schema` (see verifyLink for each rejection). */
const verifyToken = <T extends { readonly exp: number }>(
  token: string,
  secret: string,
  now: Date,
  schema: z.ZodMiniType<T>,
): T => {
  checkSecret(secret);
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH)
    throw new LinkRejectedError('malformed', 'not a link token');
  const parts = token.split('.');
  const [payload, sig] = parts;
  if (parts.length !== 2 || !payload || !sig || !BASE64URL.test(payload) || !BASE64URL.test(sig))
    throw new LinkRejectedError('malformed', 'expected two base64url parts separated by "."');

  // Comparing the canonical encodings (not decoded bytes) makes any change to the text a mismatch.
  const expected = Buffer.from(signature(payload, secret), 'ascii');
  const given = Buffer.from(sig, 'ascii');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new LinkRejectedError('bad-signature', 'the signature does not match');

  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch (error) {
    throw new LinkRejectedError('malformed', 'the payload is not JSON', { cause: error });
  }
  if (typeof decoded === 'object' && decoded !== null && 'v' in decoded && decoded.v !== 1)
    throw new LinkRejectedError('unknown-version', `version ${JSON.stringify(decoded.v)} is not read here`);
  const parsed = schema.safeParse(decoded);
  if (!parsed.success) throw new LinkRejectedError('malformed', describe(parsed.error));
  if (now.getTime() >= parsed.data.exp * 1000)
    throw new LinkRejectedError(
      'expired',
      `expired at ${new Date(parsed.data.exp * 1000).toISOString()}, now ${now.toISOString()}`,
    );
  return parsed.data;
};

/**
 * Checks an action token and returns its claims, or throws LinkRejectedError:
 * - `malformed`: not two base64url parts, or claims that do not fit the schema (an incident page
 *   link's read-only claims among them);
 * - `bad-signature`: signed with another secret, or any byte of payload or signature changed;
 * - `unknown-version`: a correctly signed token of a version this code does not read;
 * - `expired`: `now` is at or after `exp`.
 * The signature is compared in constant time and checked before the payload is read at all.
 * Whether the `jti` was already used is for the caller to check against its store.
 */
export const verifyLink = (token: string, secret: string, now: Date): LinkClaims =>
  verifyToken(token, secret, now, claimsSchema);

/**
 * Checks an incident page token and returns its read-only claims, or throws LinkRejectedError for the
 * same reasons as verifyLink (an action token is `malformed` here). Nothing is spent: the link works
 * again until `exp`.
 */
export const verifyViewLink = (token: string, secret: string, now: Date): ViewClaims =>
  verifyToken(token, secret, now, viewClaimsSchema);

export interface LinkInput {
  readonly incidentId: string;
  readonly action: ResponderAction;
  /** The tier the page goes to, recorded as who acted. */
  readonly recipient: string;
  readonly now: Date;
  /** How long the link works, in minutes from `now`. */
  readonly ttlMinutes: number;
  /** A fresh unique id for this link, e.g. `randomUUID()`. */
  readonly jti: string;
}

/** Signs the token for one action on one incident for one recipient; `actionUrl` makes it a URL. */
export const linkFor = (input: LinkInput, secret: string): string => {
  if (!Number.isFinite(input.ttlMinutes) || input.ttlMinutes <= 0)
    throw new RangeError(`ttlMinutes must be a positive number, got ${input.ttlMinutes}`);
  return signLink(
    {
      v: 1,
      inc: input.incidentId,
      act: input.action,
      to: input.recipient,
      exp: Math.floor(input.now.getTime() / 1000 + input.ttlMinutes * 60),
      jti: input.jti,
    },
    secret,
  );
};

/** What an incident page link is signed for: LinkInput without an action or a link id. */
export type ViewLinkInput = Omit<LinkInput, 'action' | 'jti'>;

/** Signs the read-only token of the incident's page for one recipient; `incidentPageUrl` makes it a URL. */
export const viewLinkFor = (input: ViewLinkInput, secret: string): string => {
  if (!Number.isFinite(input.ttlMinutes) || input.ttlMinutes <= 0)
    throw new RangeError(`ttlMinutes must be a positive number, got ${input.ttlMinutes}`);
  return signViewLink(
    {
      v: 1,
      inc: input.incidentId,
      ro: true,
      to: input.recipient,
      exp: Math.floor(input.now.getTime() / 1000 + input.ttlMinutes * 60),
    },
    secret,
  );
};

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * `${baseUrl}/a/${token}`. The base must be https, or plain http on loopback (the sandbox); it may
 * carry a path (an API stage, e.g. `/prod`) but no query or fragment, and a trailing slash is dropped.
 * Throws RangeError for any other base or for a token that is not two base64url parts.
 */
export const actionUrl = (baseUrl: string, token: string): string => linkUrl(baseUrl, 'a', token);

/** `${baseUrl}/i/${token}`: the incident page's link, with the same rules on the base as `actionUrl`. */
export const incidentPageUrl = (baseUrl: string, token: string): string => linkUrl(baseUrl, 'i', token);

const linkUrl = (baseUrl: string, kind: 'a' | 'i', token: string): string => {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (error) {
    throw new RangeError(`base URL "${baseUrl}" is not a URL`, { cause: error });
  }
  const secure =
    url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname));
  if (!secure) throw new RangeError(`base URL "${baseUrl}" must be https (plain http only on loopback)`);
  if (url.search || url.hash || url.username || url.password)
    throw new RangeError(`base URL "${baseUrl}" must not carry a query, fragment or credentials`);
  const parts = token.split('.');
  if (parts.length !== 2 || !parts.every((p) => BASE64URL.test(p)))
    throw new RangeError('token must be two base64url parts separated by "."');
  return `${url.href.replace(/\/+$/, '')}/${kind}/${token}`;
};
