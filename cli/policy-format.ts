/** The human output of `incident policy simulate`: aligned columns, one row per ISO week. */
import type { AlarmFigures, PolicyFigures } from '../lambdas/domain/policy-simulation';
import type { PolicySimulationOutput } from './commands/policy';

const COUNT_COLUMNS = ['pages', 'opened', 'suppressed', 'duplicates', 'reopened', 'ignored'] as const;

/** Rows under a header, two spaces apart: the `left` columns left-aligned, the counts right-aligned. */
const table = (
  header: readonly string[],
  rows: readonly (readonly string[])[],
  left: readonly number[] = [0],
): string[] => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (left.includes(i) ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
};

const figureCells = (tiers: readonly string[], f: PolicyFigures): string[] => [
  ...tiers.map((t) => String(f.pages[t] ?? 0)),
  String(f.pagesTotal),
  String(f.opened),
  String(f.suppressed),
  String(f.duplicates),
  String(f.reopened),
  String(f.ignored),
];

const utc = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')}`;

const routeText = (route: AlarmFigures['route']): string =>
  route.action === 'ignore'
    ? `ignored (${route.rule ?? 'default route'})`
    : `${route.severity ?? '?'} ${route.service ?? 'unmapped'} (${route.rule ?? 'default route'})`;

export const formatPolicySimulation = (report: PolicySimulationOutput): string => {
  const { history, tiers } = report;
  const span = history.from && history.until ? `, ${utc(history.from)} to ${utc(history.until)} UTC` : '';
  const lines = [
    `Policy simulation: ${history.stateChanges} state changes of ${history.alarms} alarm${history.alarms === 1 ? '' : 's'}${span}`,
    `(${history.toAlarm} to ALARM, ${history.toOk} to OK, ${history.toInsufficientData} to INSUFFICIENT_DATA). Simulated: nobody was paged, nothing was stored.`,
    '',
    'Pages per tier, and incidents, per ISO week:',
    ...table(
      ['week', ...tiers, ...COUNT_COLUMNS],
      [
        ...report.weeks.map((w) => [w.week, ...figureCells(tiers, w)]),
        ['total', ...figureCells(tiers, report.totals)],
      ],
    ),
    '',
    `Open when the history ends: ${report.openAtEnd}`,
    '',
    `Noisiest alarms (by changes to ALARM, top ${report.noisiest.length}):`,
    ...table(
      ['alarm', 'to ALARM', 'incidents', 'reopened', 'duplicates', 'pages', 'route'],
      report.noisiest.map((a) => [
        a.alarmName,
        String(a.toAlarm),
        String(a.incidents),
        String(a.reopened),
        String(a.duplicates),
        String(a.pages),
        routeText(a.route),
      ]),
      [0, 6],
    ),
  ];
  if (report.notes.length > 0) lines.push('', 'Notes:', ...report.notes.map((n) => `  - ${n}`));
  return lines.join('\n');
};
