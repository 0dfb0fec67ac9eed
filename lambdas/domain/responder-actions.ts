/**
 * What a responder can do to an incident from a page link or the CLI, and the claims a signed link
 * carries. Shared by the page renderer, the responder endpoint and the CLI.
 */

export const RESPONDER_ACTIONS = ['ack', 'escalate', 'resolve', 'approve', 'deny'] as const;
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
