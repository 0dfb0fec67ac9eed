/** The post-mortem a resolved incident may owe: required, reminded about, and done (which closes it). */
import { InvalidTransitionError } from './errors';
import { moveTo } from './incident-changes';
import type { Incident } from './incident-record';
import { type Actor, appendEntries } from './timeline';

/**
 * A resolved incident owes a post-mortem, due at `due`, owned by the tier `owner`. Resolved again
 * after a reopen with the post-mortem still owed: the deadline moves with the new resolution and the
 * reminders count afresh. Unchanged when nothing moves (a retried step).
 */
export const requirePostMortem = (
  incident: Incident,
  due: Date,
  owner: string,
  actor: Actor,
  now: Date,
): Incident => {
  const owed = incident.postMortem;
  const dueAt = due.toISOString();
  if (owed?.doneAt || owed?.due === dueAt) return incident;
  return appendEntries({ ...incident, postMortem: { due: dueAt, owner, remindersSent: 0 } }, now, {
    kind: 'note',
    actor,
    summary: owed
      ? `post-mortem still owed after resolving again: due ${dueAt} (was ${owed.due}), owner ${owner}`
      : `post-mortem required for ${incident.severity}: due ${dueAt}, owner ${owner}`,
    details: { postMortemDue: dueAt, owner },
  });
};

/** The post-mortem is written: it is linked on the record and the incident is CLOSED. */
export const completePostMortem = (incident: Incident, doc: string, by: Actor, now: Date): Incident => {
  if (incident.status !== 'RESOLVED' || !incident.postMortem) {
    throw new InvalidTransitionError(
      incident.status === 'CLOSED'
        ? `${incident.id} is already CLOSED${incident.postMortem?.doc ? ` (post-mortem: ${incident.postMortem.doc})` : ''}`
        : incident.status !== 'RESOLVED'
          ? `${incident.id} is ${incident.status}: a post-mortem is marked done once the incident is RESOLVED`
          : `${incident.id} owes no post-mortem (${incident.severity})`,
    );
  }
  const done: Incident = {
    ...incident,
    postMortem: { ...incident.postMortem, doc, doneAt: now.toISOString(), doneBy: by.name },
  };
  const noted = appendEntries(done, now, {
    kind: 'note',
    actor: by,
    summary: `post-mortem done by ${by.name}: ${doc}`,
    details: { postMortemDoc: doc },
  });
  return moveTo(noted, 'CLOSED', by, now, 'post-mortem done');
};

/** A post-mortem reminder was sent. */
export const countReminder = (incident: Incident): Incident =>
  incident.postMortem
    ? {
        ...incident,
        postMortem: { ...incident.postMortem, remindersSent: incident.postMortem.remindersSent + 1 },
      }
    : incident;
