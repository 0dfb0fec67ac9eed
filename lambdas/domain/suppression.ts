/** An incident recorded while its service is silenced: nobody is paged until the suppression ends. */
import type { Incident, Suppression } from './incident-record';
import { appendEntries, type NoteEntry } from './timeline';

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

/** Whether `execution` is the one that ended this incident's last suppression (a retried step asks). */
export const suppressionEndedBy = (incident: Incident, execution: string): boolean => {
  const ended = incident.timeline.findLast(
    (e): e is NoteEntry => e.kind === 'note' && e.details?.endedSuppression !== undefined,
  );
  return ended?.details?.execution === execution;
};
