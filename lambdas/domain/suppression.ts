/** An incident recorded while its service is silenced: nobody is paged until the suppression ends. */
import { advance } from './incident-changes';
import type { Incident, Suppression } from './incident-record';
import { isOpen } from './lifecycle';
import { type Actor, appendEntries, type NoteEntry } from './timeline';

/** Alarms on this incident's service are silenced: it is recorded, and nobody is paged until `until`. */
export const suppress = (incident: Incident, suppression: Suppression, now: Date): Incident =>
  appendEntries({ ...incident, suppressed: suppression }, now, {
    kind: 'note',
    actor: { type: 'automation', name: 'silences' },
    summary: `suppressed until ${suppression.until}: ${suppression.source === 'silence' ? `silenced${suppression.by ? ` by ${suppression.by}` : ''}` : 'maintenance window'} (${suppression.reason}); nobody is paged`,
    details: { ...suppression },
  });

/**
 * The suppression ends with the incident still open: from here it is handled (and paged) as usual.
 * `execution` names the workflow execution that ends it, so a retry of that step can tell it did.
 */
export const endSuppression = (
  incident: Incident,
  now: Date,
  options: { readonly execution?: string; readonly summary?: string } = {},
): Incident => {
  if (!incident.suppressed) return incident;
  const { suppressed: ended, ...rest } = incident;
  // Handling starts now: the escalation policy's clock counts from DETECTED, not from the silent part.
  const handled: Incident = {
    ...rest,
    statusTimestamps: { ...rest.statusTimestamps, DETECTED: now.toISOString() },
  };
  return appendEntries(handled, now, {
    kind: 'note',
    actor: { type: 'automation', name: 'silences' },
    summary: options.summary ?? `silence ended at ${ended.until} and the alarm still fires: handling it now`,
    details: {
      endedSuppression: ended.until,
      ...(options.execution ? { execution: options.execution } : {}),
    },
  });
};

/**
 * The suppression has reached its end and no other silence or window follows: an incident that still
 * fires is handled from now (`handle`); one that recovered meanwhile closes, nobody having been paged,
 * unless it owes a post-mortem from before, which then stays owed. The lifecycle's end-of-silence step
 * and the policy simulation both decide with this.
 */
export const liftSuppression = (
  incident: Incident,
  now: Date,
  options: { readonly actor: Actor; readonly execution?: string },
): { readonly incident: Incident; readonly handle: boolean } => {
  if (!incident.suppressed) return { incident, handle: false };
  if (isOpen(incident.status))
    return {
      incident: endSuppression(incident, now, options.execution ? { execution: options.execution } : {}),
      handle: true,
    };
  const { suppressed: ended, ...rest } = incident;
  if (owesPostMortem(rest))
    return {
      incident: appendEntries(rest, now, {
        kind: 'note',
        actor: { type: 'automation', name: 'silences' },
        summary: `silence ended at ${ended.until}; recovered meanwhile, and the post-mortem from before is still owed`,
        details: {
          endedSuppression: ended.until,
          ...(options.execution ? { execution: options.execution } : {}),
        },
      }),
      handle: false,
    };
  return {
    incident: advance(
      rest,
      'CLOSED',
      options.actor,
      now,
      'recorded during a silence and recovered before it ended; nobody was paged',
    ),
    handle: false,
  };
};

/** A resolved incident whose post-mortem is not done yet. */
export const owesPostMortem = (i: Incident): boolean =>
  i.status === 'RESOLVED' && i.postMortem !== undefined && !i.postMortem.doneAt;

/** Whether `execution` is the one that ended this incident's last suppression (a retried step asks). */
export const suppressionEndedBy = (incident: Incident, execution: string): boolean => {
  const ended = incident.timeline.findLast(
    (e): e is NoteEntry => e.kind === 'note' && e.details?.endedSuppression !== undefined,
  );
  return ended?.details?.execution === execution;
};
