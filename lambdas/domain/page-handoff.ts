/**
 * The handoff note (issue 13): when a handoff happens while incidents are open, the incoming person
 * hears that they are now on call, for what and from whom, and which incidents are still open (the
 * runbook's "review any incidents" at the daily handoff). Plain text for email, one SMS, and the chat
 * form built from them (chatOf). Pure: the caller hands in the clock reading and the open incidents.
 */
import type { Incident } from './incident';
import type { Page } from './page-model';
import { ascii, clip, formatDuration, hhmm, oneLine, SUBJECT_LIMIT, smsOf } from './page-text';

export interface HandoffNote {
  /** The incoming person. */
  readonly person: string;
  /** Where they are on call, e.g. "secondary of app, day of 2026-12-05". */
  readonly reason: string;
  /** Who held it before, when someone did. */
  readonly from?: string;
  readonly tier: string;
  /** The incident whose escalation loop noticed the handoff. */
  readonly incident: Incident;
  /** Every open incident, newest first (the noticing one among them). */
  readonly open: readonly Incident[];
  readonly now: Date;
}

const MAX_LISTED = 20;

const line = (i: Incident, now: Date): string =>
  `- ${i.id} [${i.severity}] ${i.status} ${oneLine(i.service)}: ${oneLine(i.title)} (open ${formatDuration(i.createdAt, now)}, ${i.acknowledgedBy ? `owner ${oneLine(i.acknowledgedBy)}` : 'nobody has acknowledged'})`;

export const renderHandoffNote = (note: HandoffNote): Page => {
  const { person, reason, from, tier, incident, open, now } = note;
  const count = `${open.length} open incident${open.length === 1 ? '' : 's'}`;
  const listed = open.slice(0, MAX_LISTED);
  const body = [
    `HANDOFF: ${oneLine(person)}, you are now on call for ${tier} (${oneLine(reason)})`,
    `Since: ${hhmm(now.toISOString())}${from ? `, taking over from ${oneLine(from)}` : ''}`,
    '',
    `${count}:`,
    ...listed.flatMap((i) => [line(i, now), `  Runbook: ${i.runbookUrl ?? 'none configured'}`]),
    ...(open.length > listed.length
      ? [`- and ${open.length - listed.length} more: incident list --open`]
      : []),
    '',
    'Review each: incident show ID (the timeline, the diagnosis, what automation did).',
    'Take one over: incident ack ID --by NAME',
  ].join('\n');
  return {
    kind: 'HANDOFF',
    incidentId: incident.id,
    at: now.toISOString(),
    subject: clip(ascii(`HANDOFF: you are on call for ${tier}, ${count}`), SUBJECT_LIMIT),
    body,
    sms: smsOf(
      `HANDOFF ${tier}`,
      `you are on call. ${count}: ${open.map((i) => `${i.id} ${i.severity}`).join(', ')}`,
      undefined,
    ),
    severity: incident.severity,
    service: incident.service,
  };
};
