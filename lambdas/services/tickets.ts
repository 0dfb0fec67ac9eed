/**
 * The incident's one ticket (issue 15): found by its marker first, created only when absent, so a
 * step run twice, or a create whose response was lost, still leaves one ticket.
 *
 * A create is not retried blindly: a 5xx or a dropped connection may come after the ticket was
 * written. Each retry therefore looks for the marker again before creating. Search indexes lag
 * behind writes (GitHub's search and Jira's JQL both say so), so a ticket created a moment ago can be
 * missed; the caller's conditional claim on the incident record (one ticket step at a time) is what
 * keeps two steps from racing, this function is what makes one step safe to repeat.
 */
import { type TicketAdapter, TicketApiError, type TicketIncident, type TicketRef } from '../domain/tickets';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDecision } from '../domain/webhook-signature';

/** How ensureTicket waits and how often it tries. */
export interface EnsureTicketOptions {
  /** Waits between attempts (injected so tests do not wait). */
  readonly sleep: (ms: number) => Promise<void>;
  /** @default DEFAULT_RETRY_POLICY */
  readonly policy?: RetryPolicy;
}

/** The incident's ticket, and whether this call made it. */
export interface EnsuredTicket {
  readonly ticket: TicketRef;
  /** False when the ticket already existed (a repeat of the step, or a create whose answer was lost). */
  readonly created: boolean;
}

/**
 * The incident's ticket: the existing one if its marker is found, else a new one. A create that
 * fails with a retryable error (5xx, 429, network) is followed by another look for the marker and,
 * only if still absent, another create, within the retry policy. Other errors are thrown as they came.
 */
export const ensureTicket = async (
  adapter: TicketAdapter,
  incident: TicketIncident,
  options: EnsureTicketOptions,
): Promise<EnsuredTicket> => {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  for (let attempt = 1; ; attempt++) {
    const found = await adapter.findByIncident(incident.id);
    if (found !== undefined) return { ticket: found, created: false };
    try {
      return { ticket: await adapter.create(incident), created: true };
    } catch (error) {
      if (!(error instanceof TicketApiError) || error.outcome === undefined) throw error;
      const decision = retryDecision(error.outcome, attempt, policy);
      if (!decision.retry) throw error;
      await options.sleep(decision.delayMs);
    }
  }
};
