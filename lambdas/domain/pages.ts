/**
 * Pages in the seeds' formats (seed 000's INCIDENT and RESOLVED templates, seed 004's ESCALATION
 * template): plain text that reads well in email, plus an SMS form of at most 160 characters.
 * Pure: the caller hands in the clock reading and everything it knows.
 */
import type { Incident } from './incident';

export const PAGE_KINDS = ['INCIDENT', 'UPDATE', 'ESCALATION', 'RESOLVED'] as const;
export type PageKind = (typeof PAGE_KINDS)[number];

export interface Page {
  readonly kind: PageKind;
  readonly incidentId: string;
  /** When it was rendered and sent (ISO-8601). */
  readonly at: string;
  readonly subject: string;
  readonly body: string;
  readonly sms: string;
}

export interface PageContext {
  readonly now: Date;
  /** Minutes until the next status update, from the severity's cadence; undefined = as needed. */
  readonly nextUpdateMinutes?: number;
  /** ESCALATION: why a person is being called, e.g. "Diagnose failed: ThrottlingException". */
  readonly why?: string;
  /** ESCALATION: who is being called. */
  readonly tier?: string;
  /** What automation found and did so far, one line each. */
  readonly automation?: readonly string[];
}

export const SMS_LIMIT = 160;
/** SNS email subjects must be under 100 characters. */
export const SUBJECT_LIMIT = 99;

const clip = (text: string, limit: number): string =>
  text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;

const hhmm = (iso: string): string => `${iso.slice(11, 16)} UTC`;

export const formatDuration = (fromIso: string, to: Date): string => {
  const minutes = Math.max(0, Math.round((to.getTime() - Date.parse(fromIso)) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
};

const impact = (incident: Incident): string => `${incident.service}: ${incident.title}`;

const lines = (...parts: Array<string | false | undefined>): string =>
  parts.filter((p) => p !== false && p !== undefined).join('\n');

export const renderPage = (kind: PageKind, incident: Incident, ctx: PageContext): Page => {
  const automation = ctx.automation?.length
    ? ['', 'Automation:', ...ctx.automation.map((a) => `- ${a}`)]
    : [];
  const runbook = incident.runbookUrl ? `Runbook: ${incident.runbookUrl}` : 'Runbook: none configured';
  const nextUpdate =
    ctx.nextUpdateMinutes === undefined
      ? 'as needed'
      : hhmm(new Date(ctx.now.getTime() + ctx.nextUpdateMinutes * 60_000).toISOString());
  switch (kind) {
    case 'INCIDENT':
    case 'UPDATE': {
      const subject = `${kind}: [${incident.severity}] ${incident.id} ${incident.title}`;
      return {
        kind,
        incidentId: incident.id,
        at: ctx.now.toISOString(),
        subject: clip(subject, SUBJECT_LIMIT),
        body: lines(
          `${kind}: ${incident.title}`,
          `Incident ID: ${incident.id}`,
          `Severity: ${incident.severity}`,
          `Detected: ${hhmm(incident.createdAt)} (alarm ${incident.alarmName})`,
          `Impact: ${impact(incident)}`,
          `Status: ${incident.status}`,
          `Next Update: ${nextUpdate}`,
          ...automation,
          '',
          runbook,
        ),
        sms: clip(`${incident.severity} ${incident.id} ${incident.status}: ${incident.title}`, SMS_LIMIT),
      };
    }
    case 'ESCALATION': {
      const subject = `ESCALATION NEEDED: [${incident.severity}] ${incident.id} ${incident.title}`;
      return {
        kind,
        incidentId: incident.id,
        at: ctx.now.toISOString(),
        subject: clip(subject, SUBJECT_LIMIT),
        body: lines(
          `ESCALATION NEEDED: ${incident.title}`,
          `Incident ID: ${incident.id}`,
          `Severity: ${incident.severity}`,
          `Duration: ${formatDuration(incident.createdAt, ctx.now)}`,
          `Current responder: ${incident.acknowledgedBy ?? 'nobody has acknowledged'}`,
          `Status: ${incident.status}`,
          `Impact: ${impact(incident)}`,
          ...automation,
          '',
          `Why escalating: ${ctx.why ?? 'not stated'}`,
          ctx.tier ? `Next person: ${ctx.tier}` : undefined,
          '',
          runbook,
        ),
        sms: clip(`ESCALATION ${incident.severity} ${incident.id}: ${ctx.why ?? incident.title}`, SMS_LIMIT),
      };
    }
    case 'RESOLVED': {
      const resolvedAt = incident.statusTimestamps.RESOLVED ?? ctx.now.toISOString();
      const duration = formatDuration(incident.createdAt, new Date(resolvedAt));
      const subject = `RESOLVED: [${incident.severity}] ${incident.id} ${incident.title}`;
      return {
        kind,
        incidentId: incident.id,
        at: ctx.now.toISOString(),
        subject: clip(subject, SUBJECT_LIMIT),
        body: lines(
          `RESOLVED: ${incident.title}`,
          `Incident ID: ${incident.id}`,
          `Severity: ${incident.severity}`,
          `Resolution Time: ${duration} (${hhmm(incident.createdAt)} to ${hhmm(resolvedAt)})`,
          `Root Cause: ${ctx.why ?? 'to be established in the post-incident review'}`,
          ...automation,
          '',
          runbook,
        ),
        sms: clip(
          `RESOLVED ${incident.severity} ${incident.id} after ${duration}: ${incident.title}`,
          SMS_LIMIT,
        ),
      };
    }
  }
};
