/**
 * What a responder can do to an incident from a page link or the CLI (`publish`: the status page's
 * first post, and `note`: a note on the timeline and nothing else, both from a link only), and the claims a signed link
 * carries: an action link (`/a/<token>`) or the incident page's read-only link (`/i/<token>`).
 * Shared by the page renderer, the responder endpoint and the CLI.
 */

export const RESPONDER_ACTIONS = [
  'ack',
  'escalate',
  'resolve',
  'approve',
  'deny',
  'publish',
  'note',
] as const;
export type ResponderAction = (typeof RESPONDER_ACTIONS)[number];

/** The claims of a one-click link: bound to one incident, one action and one recipient; expiring; single-use. */
export interface LinkClaims {
  readonly v: 1;
  /** Incident id. */
  readonly inc: string;
  readonly act: ResponderAction;
  /** Recipient the link was sent to (the tier, e.g. `on-call`), recorded as who acted. */
  readonly to: string;
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
  /** Unique id of this link: a used one is refused. */
  readonly jti: string;
}

/**
 * The claims of the link to an incident's own page: read-only (`ro`), bound to one incident and one
 * recipient, expiring, and reusable until then (no `jti`: opening the page spends nothing). It can
 * never pass for an action link, nor an action link for it: each is checked against its own strict
 * set of claims.
 */
export interface ViewClaims {
  readonly v: 1;
  /** Incident id. */
  readonly inc: string;
  /** Marks the link read-only: it shows the page and nothing else. */
  readonly ro: true;
  /** Recipient the link was sent to (a person, or the tier); the page's buttons act as them. */
  readonly to: string;
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
}
