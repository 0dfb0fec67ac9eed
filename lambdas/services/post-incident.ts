/**
 * After resolution: the incident report (Markdown in the report store, linked from the record) and
 * the post-mortem that closes a P1/P2. Used by the workflow's steps and by `incident postmortem`.
 */
import type { ReportWriter } from '../adapters/report-store';
import { ValidationError } from '../domain/errors';
import { appendEntries, completePostMortem, type Incident } from '../domain/incident';
import { renderReport, reportKey } from '../domain/report';
import type { IncidentService } from './incident-service';

export interface ReportDeps {
  readonly incidents: IncidentService;
  /** Where reports are written. @default none: nothing is written, the record is unchanged */
  readonly reports?: ReportWriter;
  readonly clock?: () => Date;
}

/**
 * Renders the incident's report from the record as it stands, stores it (a new version of the same
 * key each time) and links it from the record. The link is not a timeline entry, so a report written
 * last has the same timeline as the record.
 */
export const writeReport = async (deps: ReportDeps, incident: Incident): Promise<Incident> => {
  if (!deps.reports) return incident;
  const now = deps.clock?.() ?? new Date();
  const stored = await deps.reports.put(reportKey(incident), renderReport(incident, { generatedAt: now }));
  return deps.incidents.update(incident.id, (i) => ({
    ...i,
    report: { ...stored, at: now.toISOString() },
  }));
};

const isWebUrl = (text: string): boolean => {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
};

/**
 * A person marks the post-mortem done with a link to its document: the incident is CLOSED, the
 * reminders stop (their workflow sees it at its next wake-up), and the report is written once more.
 */
export const markPostMortemDone = async (
  deps: ReportDeps,
  incidentId: string,
  input: { readonly doc: string; readonly by: string },
): Promise<Incident> => {
  const problems = [
    ...(isWebUrl(input.doc)
      ? []
      : [{ path: '--doc', message: `must be the post-mortem document's http(s) URL, got '${input.doc}'` }]),
    ...(input.by.trim() ? [] : [{ path: '--by', message: 'must name who marks the post-mortem done' }]),
  ];
  if (problems.length > 0) throw new ValidationError(`post-mortem of ${incidentId}`, problems);
  const closed = await deps.incidents.update(incidentId, (i, at) =>
    completePostMortem(i, input.doc, { type: 'human', name: input.by.trim() }, at),
  );
  try {
    return await writeReport(deps, closed);
  } catch (error) {
    // The close stands; the report keeps its earlier version. Said on the record, where the CLI shows it.
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return deps.incidents.update(incidentId, (i, at) =>
      appendEntries(i, at, {
        kind: 'error',
        actor: { type: 'human', name: input.by.trim() },
        summary: `closed, but the report was not rewritten (${why}); incident report ${i.id} prints it from the record`,
        details: { step: 'report' },
      }),
    );
  }
};
