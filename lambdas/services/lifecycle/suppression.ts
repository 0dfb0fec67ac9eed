/**
 * The end of the silence an incident was recorded under: the workflow waited for it, and now the
 * incident is silenced again (wait more), still open (handle it as any new incident), or recovered
 * meanwhile (close it without paging anybody).
 */
import { liftSuppression, owesPostMortem, suppress, suppressionEndedBy } from '../../domain/incident';
import { isOpen } from '../../domain/lifecycle';
import { type LifecycleDeps, load, result, type StepResult, WORKFLOW } from './deps';
import { postIncident } from './post-mortem';

export type SuppressionEnd = StepResult & {
  /** Handle it now as a new incident (announce, diagnose, ...). */
  readonly handle: boolean;
  /** Still silenced (the silence was extended, or another began): wait again until then. */
  readonly suppressedUntil?: string;
};

/**
 * The silence an incident was recorded under has reached the end this execution waited for
 * (`until`). Silenced again by now (extended, or a window began): the suppression moves and the
 * workflow waits again. Still open: the suppression is lifted and the workflow goes on as for any new
 * incident (`handle`). Recovered meanwhile: CLOSED, nobody was paged (unless it still owes a
 * post-mortem from before: then its reminders start). Another execution already handled it, or its
 * suppression is not the one this execution waited for: nothing. `execution` makes a retry of this
 * step answer as its first attempt did.
 */
export const endSuppression = async (
  deps: LifecycleDeps,
  incidentId: string,
  until: string,
  execution: string,
): Promise<SuppressionEnd> => {
  const current = await load(deps, incidentId);
  if (!current.suppressed || current.suppressed.until !== until) {
    // Moved on since this execution began waiting: extended (perhaps by this step's first attempt,
    // then retried) means wait again; ended by this execution's first attempt means answer as it did.
    if (current.suppressed && isOpen(current.status) && current.suppressed.until > until)
      return { ...result(current), handle: false, suppressedUntil: current.suppressed.until };
    const mine = !current.suppressed && suppressionEndedBy(current, execution);
    if (mine && owesPostMortem(current)) await postIncident(deps, incidentId);
    return { ...result(current), handle: mine && isOpen(current.status) };
  }
  const now = deps.clock();
  const again = isOpen(current.status) ? await deps.suppressionFor?.(current.service, now) : undefined;
  if (again && again.until > now.toISOString()) {
    const moved = await deps.incidents.update(incidentId, (i, at) =>
      i.suppressed?.until === until ? suppress(i, again, at) : i,
    );
    return moved.suppressed?.until === again.until
      ? { ...result(moved), handle: false, suppressedUntil: again.until }
      : { ...result(moved), handle: false };
  }
  let handle = false;
  const updated = await deps.incidents.update(incidentId, (i, at) => {
    handle = false;
    if (i.suppressed?.until !== until) return i;
    const lifted = liftSuppression(i, at, { actor: WORKFLOW, execution });
    handle = lifted.handle;
    return lifted.incident;
  });
  if (owesPostMortem(updated)) await postIncident(deps, incidentId);
  return { ...result(updated), handle };
};
