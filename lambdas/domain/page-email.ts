/** The email form of a page: the facts one per line, then what automation did, the runbook and the links. */
import { AUTOMATION_LINES, type LinkItem, type Rendered } from './page-model';

/** The line before the incident page's URL in an email body (the URL is alone on the next line). */
export const INCIDENT_PAGE_LABEL = 'Incident page (timeline, status, buttons):';

/** The newest AUTOMATION_LINES of it for email, counting the ones left out. */
export const automationLines = (all: readonly string[]): string[] => {
  if (all.length === 0) return [];
  const shown = all.slice(-AUTOMATION_LINES).map((a) => `- ${a}`);
  const hidden = all.length - shown.length;
  return [
    '',
    'Actions taken:',
    ...(hidden > 0 ? [`- (${hidden} earlier on the incident timeline)`] : []),
    ...shown,
  ];
};

/** The links for email, each URL alone on its line so mail clients make the whole of it clickable. */
export const linkLines = (items: readonly LinkItem[]): string[] =>
  items.length > 0
    ? [
        '',
        'Act on it (each link works once):',
        ...items.flatMap((i) => (i.url ? [`${i.label}:`, i.url] : [`${i.label}: ${i.fallback}`])),
      ]
    : [];

/**
 * The email body: the first line, the facts, the incident page (its URL alone on a line), then the
 * tail (automation, runbook, links) where the kind has one, and the kind's closing lines.
 */
export const emailBody = (
  r: Rendered,
  title: string,
  tail: () => string[],
  incidentPage: string | undefined,
): string =>
  [
    `${r.head ?? r.label}: ${title}`,
    ...r.facts.flatMap((f) => (f === undefined ? [] : f === '' ? [''] : [`${f[0]}: ${f[1]}`])),
    ...(incidentPage ? ['', INCIDENT_PAGE_LABEL, incidentPage] : []),
    ...(r.tail ? tail() : []),
    ...(r.closing?.email ?? []),
  ].join('\n');
