/** Human output of the `incident` CLI: short aligned lines a tired on-call can scan. */
import type { Incident, TimelineEntry } from '../lambdas/domain/incident';
import { formatDuration } from '../lambdas/domain/pages';
import type { Silence } from '../lambdas/domain/silences';
import type { DrillEvent, DrillReport } from '../sandbox/drill';
import type { DeliveredPage } from '../sandbox/local-aws/sns';

const hhmm = (iso: string): string => iso.slice(11, 16);

/** `+00:05 10:05` : minutes since the drill started, and the simulated wall time (UTC). */
export const stamp = (iso: string, start: string): string => {
  const minutes = Math.round((Date.parse(iso) - Date.parse(start)) / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `+${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')} ${hhmm(iso)}`;
};

const pad = (text: string, width: number) => text.padEnd(width);

/** A duration as people say it: `45s`, `12m`, `1h 05m`, `2d 03h`. */
export const humanDuration = (ms: number): string => {
  const seconds = Math.round(Math.max(0, ms) / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d ${String(hours % 24).padStart(2, '0')}h`;
};

export const formatDrillEvent = (event: DrillEvent, start: string): string => {
  switch (event.kind) {
    case 'step':
      return `${stamp(event.at, start)}  ${pad(event.actor === 'responder' ? 'responder' : 'scenario', 17)}  ${event.text}`;
    case 'alarm':
      return `${stamp(event.at, start)}  ${pad('alarm', 17)}  ${event.alarmName}: ${event.from} -> ${event.to}`;
    case 'timeline':
      return `${stamp(event.entry.at, start)}  ${pad(event.incidentId, 17)}  ${pad(event.entry.kind, 10)} ${event.entry.summary}`;
    case 'page':
      return `${stamp(event.page.at, start)}  ${pad(`page ${event.page.tier}`, 17)}  ${event.page.subject}`;
  }
};

export const formatIncidentLine = (i: Incident): string =>
  `${pad(i.id, 17)}  ${i.severity}  ${pad(i.status, 13)}  ${pad(i.service, 14)}  ${i.createdAt.slice(0, 16).replace('T', ' ')}  ${i.title}`;

export const formatTimelineEntry = (e: TimelineEntry): string =>
  `  ${e.at.slice(0, 19).replace('T', ' ')}  ${pad(e.kind, 12)} ${pad(`${e.actor.type}:${e.actor.name}`, 28)} ${e.summary}`;

export const formatIncident = (i: Incident): string => {
  const resolvedAt = i.statusTimestamps.RESOLVED;
  return [
    `${i.id}  ${i.severity}  ${i.status}  ${i.title}`,
    `  service ${i.service}, alarm ${i.alarmName}, dedup key ${i.dedupKey}`,
    `  opened ${i.createdAt}${resolvedAt ? `, resolved ${resolvedAt} (${formatDuration(i.createdAt, new Date(resolvedAt))})` : ''}${i.acknowledgedBy ? `, owner ${i.acknowledgedBy}` : ''}`,
    `  runbook ${i.runbookUrl ?? 'none'}`,
    ...(i.ticket
      ? [`  ticket ${i.ticket.url ?? `not opened${i.ticket.error ? `: ${i.ticket.error}` : ''}`}`]
      : []),
    '  timeline:',
    ...i.timeline.map(formatTimelineEntry),
  ].join('\n');
};

export const formatPage = (p: DeliveredPage): string =>
  [
    `--- to ${p.tier} at ${hhmm(p.at)} UTC`,
    `Subject: ${p.subject}`,
    p.body,
    `SMS (${p.sms.length} chars): ${p.sms}`,
  ].join('\n');

export const formatDrillSummary = (r: DrillReport, wallMs: number): string => {
  const lines = [
    '',
    `Drill ${r.scenario}: ${r.incidents.length} incident(s), ${r.pages.length} page(s), ${r.deliveries.total} alarm event(s) delivered, ${(wallMs / 1000).toFixed(1)} s wall for ${formatDuration(r.startedAt, new Date(r.endedAt))} simulated`,
    ...r.incidents.map((i) => `  ${formatIncidentLine(i)}`),
  ];
  const byStatus = (status: string) =>
    Object.values(r.executions.byWorkflow).reduce((n, counts) => n + (counts[status] ?? 0), 0);
  lines.push(
    `  executions: ${byStatus('SUCCEEDED')} succeeded, ${byStatus('RUNNING')} still waiting, ${r.failedExecutions} failed`,
  );
  if (r.deliveries.lost > 0 || r.duplicatePages > 0) {
    lines.push(`  lost events ${r.deliveries.lost}, duplicate pages ${r.duplicatePages}`);
  }
  return lines.join('\n');
};

/** `2026-11-23 10:05 UTC`: an ISO time to the minute, as the on-call reads it. */
export const utc = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** Where the post-mortem stands: due, owner, reminders, overdue or not; or done, with its document. */
export const formatPostMortem = (i: Incident, now: Date): string => {
  const head = `${i.id}  ${i.severity}  ${i.status}  ${i.title}`;
  const pm = i.postMortem;
  if (!pm) {
    return `${head}\n  no post-mortem owed${i.status === 'RESOLVED' || i.status === 'CLOSED' ? '' : ' yet: one is set at resolution when the config requires it for the severity (postMortem.requiredFor)'}`;
  }
  if (pm.doneAt) {
    return `${head}\n  post-mortem done ${utc(pm.doneAt)} by ${pm.doneBy ?? 'unknown'}: ${pm.doc ?? 'no document'}`;
  }
  const left = Date.parse(pm.due) - now.getTime();
  const reminders = `${pm.remindersSent} reminder${pm.remindersSent === 1 ? '' : 's'} sent`;
  return [
    head,
    `  post-mortem due ${utc(pm.due)} (${left < 0 ? `OVERDUE by ${humanDuration(-left)}` : `in ${humanDuration(left)}`}), owner ${pm.owner}, ${reminders}`,
    `  once written: incident postmortem ${i.id} --done --doc URL --by NAME`,
  ].join('\n');
};

export const formatSilence = (s: Silence, now: Date): string =>
  `${pad(s.service, 14)}  until ${utc(s.until)} (${humanDuration(Date.parse(s.until) - now.getTime())} left)  silenced by ${s.by}: ${s.reason}`;
