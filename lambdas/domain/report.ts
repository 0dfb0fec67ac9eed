/**
 * The incident report, in Markdown, following the runbook's "Incident Report" template: written from the
 * record at resolution (and again at close), so the timeline in it is the record's, one row per entry.
 * What the record cannot know (affected users, prevention work) is marked for a person to fill in.
 *
 * Timeline cells are escaped so no summary can break the table, and `parseReportTimeline` reads them
 * back exactly (but for surrounding whitespace, and CR LF read back as LF).
 *
 * Pure: no SDK, no env, no clock (the generation time is handed in).
 */
import type { SuspectedCause } from './evidence';
import type { Actor, Incident, TimelineEntry } from './incident';
import { incidentTimings, type ResolvedBy } from './incident-stats';
import { formatDuration } from './silences';
import { lastResolution } from './timeline';

export interface ReportOptions {
  /** When the report is written: shown in the footer, and the end of an ongoing incident's duration. */
  readonly generatedAt: Date;
}

export interface ReportTimelineRow {
  readonly at: string;
  readonly event: string;
  readonly actor: string;
}

const TIMELINE_HEADING = '## Timeline';
const TIMELINE_HEADER = '| Time (UTC) | Event | Actor |';
const FILL_IN = 'fill in';

/** What each suspected cause suggests doing so it does not happen again. */
const PREVENTION: Readonly<Record<SuspectedCause, string | undefined>> = {
  'bad-deployment':
    'A deployment caused this: stop bad revisions before they take all traffic (ECS deployment circuit breaker with rollback, a canary, alarms on the deployment) and add the test that would have caught it.',
  'crash-loop':
    'Tasks kept failing to start or exiting: check health-check timings, start-up dependencies and the container memory limit, and alarm on tasks stopping.',
  'memory-leak':
    'Memory climbed until tasks failed: find the leak (heap profile of a running task) and alarm on memory well below the limit.',
  'resource-exhaustion':
    'Load outgrew capacity: review auto scaling (target tracking on CPU or requests per target) and the configured maxDesiredCount.',
  dependency:
    'A dependency failed: bound calls to it (timeouts, retries with backoff, a circuit breaker), size the connection pool, and alarm on the dependency itself.',
  unknown: undefined,
};

const RESOLVED_BY_WORDS: Readonly<Record<ResolvedBy, string>> = {
  automation: 'an automatic action',
  human: 'a person',
  'on-its-own': 'no action: it recovered on its own',
};

const CELL_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '\\': '&#92;',
  '|': '\\|',
  '<': '&lt;',
  '\n': '<br>',
};
const CELL_UNESCAPES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(CELL_ESCAPES).map(([raw, escaped]) => [escaped, raw]),
);

/**
 * One table cell: `|` escaped, newlines as `<br>`; `&`, `<` and `\` as entities so that neither a
 * literal `<br>` nor a backslash before a pipe in the text can be misread.
 */
const cell = (text: string): string =>
  text.replace(/\r\n?/g, '\n').replace(/[&\\|<\n]/g, (c) => CELL_ESCAPES[c] ?? c);

/** Reverses `cell`, in one pass so nothing is decoded twice. */
const uncell = (text: string): string =>
  text.replace(/&amp;|&#92;|\\\||&lt;|<br>/g, (e) => CELL_UNESCAPES[e] ?? e);

/** A line of list text: newlines and runs of spaces folded so the list stays a list. */
const inline = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** Field lines of the template, one paragraph each so a renderer does not run them together. */
const paragraphs = (lines: readonly string[]): string[] => lines.flatMap((l, i) => (i === 0 ? [l] : ['', l]));

const actorText = (actor: Actor): string => `${actor.name} (${actor.type})`;

const timelineRow = (e: TimelineEntry): string =>
  `| ${cell(e.at)} | ${cell(`${e.kind}: ${e.summary}`)} | ${cell(actorText(e.actor))} |`;

const timelineSection = (incident: Incident): string[] => [
  TIMELINE_HEADING,
  '',
  TIMELINE_HEADER,
  '|------------|-------|-------|',
  ...incident.timeline.map(timelineRow),
];

const impactSection = (incident: Incident, generatedAt: Date): string[] => {
  const t = incidentTimings(incident);
  const end = t.resolvedAt ?? generatedAt.toISOString();
  const length = formatDuration(Date.parse(end) - Date.parse(t.detectedAt));
  const duration = t.resolvedAt
    ? `${t.detectedAt} to ${t.resolvedAt} (${length})`
    : `${t.detectedAt} to ongoing (${length} so far, at ${generatedAt.toISOString()})`;
  const minutes = (m: number | undefined) => (m === undefined ? 'not yet' : formatDuration(m * 60_000));
  return [
    '## Impact',
    '',
    ...paragraphs([
      `**Affected Users:** not measured by the workflow — ${FILL_IN}`,
      `**Duration:** ${duration}`,
      `**Services Affected:** ${incident.service}`,
      `**Alarm:** ${incident.alarmName}`,
      `**Time to acknowledge:** ${minutes(t.timeToAcknowledgeMinutes)}${incident.acknowledgedBy ? ` (by ${incident.acknowledgedBy})` : ''}`,
      `**Time to mitigate:** ${minutes(t.timeToMitigateMinutes)}`,
      ...(incident.reopenCount > 0
        ? [`**Reopened:** ${incident.reopenCount} time${incident.reopenCount === 1 ? '' : 's'}`]
        : []),
    ]),
  ];
};

const rootCauseSection = (incident: Incident): string[] => {
  const d = incident.diagnosis;
  if (!d) {
    return [
      '## Root Cause',
      '',
      `No automated diagnosis exists for this incident: describe the root cause here (${FILL_IN}).`,
    ];
  }
  return [
    '## Root Cause',
    '',
    `Automated diagnosis (suspected cause: ${d.suspectedCause}; recommended: ${d.recommended}): ${inline(d.summary)}`,
    '',
    'Findings:',
    '',
    ...d.findings.map((f) => `- ${f.source}${f.unavailable ? ' (unavailable)' : ''}: ${inline(f.summary)}`),
    '',
    `Confirm or correct this from the evidence (${FILL_IN}).`,
  ];
};

/** What was done: every action entry, and what people noted or approved. */
const isDeed = (e: TimelineEntry): boolean =>
  e.kind === 'action' || (e.kind === 'note' && e.actor.type === 'human');

const resolutionSection = (incident: Incident): string[] => {
  const t = incidentTimings(incident);
  const deeds = incident.timeline.filter(isDeed);
  const resolvedEntry = lastResolution(incident)?.entry;
  const outcome =
    t.resolvedAt && t.resolvedBy
      ? `Resolved at ${t.resolvedAt}${resolvedEntry ? ` by ${actorText(resolvedEntry.actor)}: ${inline(resolvedEntry.summary)}` : ''}. Brought about by ${RESOLVED_BY_WORDS[t.resolvedBy]}.`
      : `Not resolved yet: the incident is ${incident.status}.`;
  return [
    '## Resolution',
    '',
    ...(deeds.length > 0
      ? deeds.map((e) => `- ${e.at} ${actorText(e.actor)}: ${inline(e.summary)}`)
      : ['- No action was recorded by automation or by a person.']),
    '',
    outcome,
  ];
};

const preventionSection = (incident: Incident): string[] => {
  const cause = incident.diagnosis?.suspectedCause;
  const suggestion = cause ? PREVENTION[cause] : undefined;
  return [
    '## Prevention',
    '',
    suggestion
      ? `Suggested from the automated diagnosis (${cause}): ${suggestion}`
      : `What will be done to prevent this in the future (${FILL_IN}).`,
    ...(incident.runbookUrl ? ['', `Update the runbook with what was learned: ${incident.runbookUrl}`] : []),
  ];
};

const actionItemsSection = (incident: Incident): string[] => {
  const pm = incident.postMortem;
  const owner = incident.acknowledgedBy ?? FILL_IN;
  const postMortem = pm
    ? pm.doc
      ? `- [x] Write the post-mortem - Owner: ${pm.doneBy ?? pm.owner} - Due: ${pm.due} - Done: ${pm.doneAt ?? 'yes'}, ${pm.doc}`
      : `- [ ] Write the post-mortem - Owner: ${pm.owner} - Due: ${pm.due}`
    : undefined;
  return [
    '## Action Items',
    '',
    ...(postMortem ? [postMortem] : []),
    `- [ ] Agree on the prevention work above - Owner: ${owner} - Due: ${FILL_IN}`,
    `- [ ] Measure the user impact - Owner: ${owner} - Due: ${FILL_IN}`,
  ];
};

const postMortemSection = (incident: Incident): string[] => {
  const pm = incident.postMortem;
  const line = !pm
    ? 'Not required.'
    : pm.doc
      ? `Done${pm.doneBy ? ` by ${pm.doneBy}` : ''}${pm.doneAt ? ` at ${pm.doneAt}` : ''}: ${pm.doc}`
      : `Required, due ${pm.due} (owner: ${pm.owner}).`;
  return ['## Post-Mortem', '', line];
};

/** The report of `incident` as Markdown (the incident report template, with the record's whole timeline). */
export const renderReport = (incident: Incident, options: ReportOptions): string =>
  [
    `# Incident Report: ${inline(incident.title)}`,
    '',
    ...paragraphs([
      `**Incident ID:** ${incident.id}`,
      `**Severity:** ${incident.severity}`,
      `**Status:** ${incident.status}`,
      `**Service:** ${incident.service}`,
      ...(incident.ticket?.url ? [`**Ticket:** <${incident.ticket.url}>`] : []),
    ]),
    '',
    ...timelineSection(incident),
    '',
    ...impactSection(incident, options.generatedAt),
    '',
    ...rootCauseSection(incident),
    '',
    ...resolutionSection(incident),
    '',
    ...preventionSection(incident),
    '',
    ...actionItemsSection(incident),
    '',
    ...postMortemSection(incident),
    '',
    '---',
    '',
    `_Generated at ${options.generatedAt.toISOString()} from the incident record (version ${incident.version}, ${incident.timeline.length} timeline entries)._`,
    '',
  ].join('\n');

/** Where the report is stored: `reports/YYYY/MM/<id>.md`, by the UTC month the incident was created. */
export const reportKey = (incident: Pick<Incident, 'id' | 'createdAt'>): string => {
  const created = new Date(incident.createdAt).toISOString();
  return `reports/${created.slice(0, 4)}/${created.slice(5, 7)}/${incident.id}.md`;
};

/** The cells of one table row, split on unescaped pipes and unescaped. */
const rowCells = (line: string): string[] =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => uncell(c.trim()));

/** Reads the timeline table of a report back: one row per timeline entry, in order. Empty when there is none. */
export const parseReportTimeline = (markdown: string): ReportTimelineRow[] => {
  const lines = markdown.split('\n');
  const heading = lines.indexOf(TIMELINE_HEADING);
  const header = heading < 0 ? -1 : lines.indexOf(TIMELINE_HEADER, heading);
  if (header < 0) return [];
  const rows: ReportTimelineRow[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const [at = '', event = '', actor = ''] = rowCells(line);
    rows.push({ at, event, actor });
  }
  return rows;
};
