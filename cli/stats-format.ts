/** `incident stats` as a table per severity: what an on-call review reads first. */
import type { IncidentStats } from '../lambdas/domain/incident-stats';
import { SEVERITIES } from '../lambdas/domain/severity';
import { humanDuration } from './format';

const minutes = (value: number | undefined): string =>
  value === undefined ? '-' : humanDuration(value * 60_000);

/** Columns padded to their widest cell, two spaces apart; numbers right-aligned. */
const table = (rows: readonly (readonly string[])[], numeric: readonly boolean[]): string[] => {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (numeric[c] ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
};

/** Services listed by name; the rest are summed up in one line. */
const TOP_SERVICES = 10;

const utc = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/**
 * Per severity P1..P4: count, acknowledged, resolved, MTTA and MTTR (mean and median), mean time to
 * mitigate, and who resolved them; then incidents by service, then the suppressed count.
 * @param window how the window was asked for, such as `30d`
 */
export const formatStats = (stats: IncidentStats, window: string): string => {
  const header = `Incidents created ${utc(stats.since)} to ${utc(stats.until)} (last ${window}): ${stats.total}`;
  const suppressed = `Suppressed (silence or maintenance window; paged nobody, in no figure above): ${stats.suppressed}`;
  if (stats.total === 0) return [header, suppressed].join('\n');
  const rows = SEVERITIES.map((severity) => {
    const s = stats.bySeverity.find((b) => b.severity === severity);
    if (!s || s.count === 0) return [severity, '0', '0', '0', '-', '-', '-', '-', '-', '0', '0', '0'];
    return [
      severity,
      String(s.count),
      String(s.acknowledged),
      String(s.resolved),
      minutes(s.mttaMinutes),
      minutes(s.medianTtaMinutes),
      minutes(s.mttrMinutes),
      minutes(s.medianTtrMinutes),
      minutes(s.mttmMinutes),
      String(s.byResolver.automation),
      String(s.byResolver.human),
      String(s.byResolver['on-its-own']),
    ];
  });
  const head = [
    'severity',
    'count',
    'acked',
    'resolved',
    'MTTA',
    'median TTA',
    'MTTR',
    'median TTR',
    'MTTM',
    'automated',
    'human',
    'on its own',
  ];
  const numeric = head.map((_, c) => c > 0);
  const shown = stats.byService.slice(0, TOP_SERVICES);
  const rest = stats.byService.slice(TOP_SERVICES);
  const services = table(
    shown.map((s) => [s.service, String(s.count)]),
    [false, true],
  );
  if (rest.length > 0) {
    const incidents = rest.reduce((sum, s) => sum + s.count, 0);
    services.push(
      `and ${rest.length} more service${rest.length === 1 ? '' : 's'} (${incidents} incident${incidents === 1 ? '' : 's'}); --json lists them all`,
    );
  }
  return [
    header,
    '',
    ...table([head, ...rows], numeric),
    '  MTTA, MTTR: mean time to acknowledge, to resolve, from detection; MTTM: to the first action that changed something.',
    '  automated, human, on its own: who resolved them (an automatic action, a person, or the alarm recovered alone).',
    '',
    'By service:',
    ...services.map((line) => `  ${line}`),
    '',
    suppressed,
  ].join('\n');
};
