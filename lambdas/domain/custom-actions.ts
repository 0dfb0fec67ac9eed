/**
 * Custom remediation actions (issue 15), the pure part: which action a service's playbook names for a
 * diagnosis and severity, the HTTP request an `http` action makes (its host fixed by the config, its
 * path rendered from the incident and checked against the config's pattern before anything is sent),
 * what its answer means, and how long an action's lock lasts.
 *
 * Pure: no SDK, no env, no clock (times are handed in).
 */
import { ValidationError } from './errors';
import type { Diagnosis, SuspectedCause } from './evidence';
import type { Severity } from './severity';
import { renderTemplate, type TemplateIncident } from './ssm-automation';

/** One playbook line, as the config holds it. */
export interface PlaybookLine {
  readonly causes: readonly SuspectedCause[];
  /** Undefined: every severity. */
  readonly severities?: readonly Severity[];
  readonly action: string;
}

/** The action the first matching line names, or undefined when none matches. */
export const playbookAction = (
  lines: readonly PlaybookLine[],
  cause: SuspectedCause,
  severity: Severity,
): string | undefined =>
  lines.find(
    (l) => l.causes.includes(cause) && (l.severities === undefined || l.severities.includes(severity)),
  )?.action;

/**
 * The diagnosis as the guardrails see it: with the custom action the playbook names for its cause
 * and `severity` in place of the built-in recommendation, or unchanged when no line matches.
 */
export const withPlaybook = (
  diagnosis: Diagnosis,
  lines: readonly PlaybookLine[],
  severity: Severity,
): Diagnosis => {
  const action = playbookAction(lines, diagnosis.suspectedCause, severity);
  if (action === undefined) return diagnosis;
  const { rollbackTo: _r, scaleTo: _s, ...rest } = diagnosis;
  return { ...rest, recommended: 'custom', action };
};

/** What an `http` action is, as the config holds it (the fields the request needs). */
export interface HttpActionSpec {
  readonly method: string;
  readonly baseUrl: string;
  readonly pathTemplate: string;
  readonly pathPattern?: string;
  readonly expectedStatuses: readonly number[];
}

/** The call an `http` action makes. */
export interface HttpActionRequest {
  readonly method: string;
  /** The config's host with the rendered path. */
  readonly url: string;
  /** The rendered path alone, for the timeline. */
  readonly path: string;
}

/**
 * The request of `action` for `incident`. Each value is URL-encoded into the path, the path is put
 * on the config's host (never the other way round, so no value can change where the call goes), and
 * the rendered path must match `pathPattern` whole: otherwise a ValidationError, and nothing is sent.
 */
export const httpActionRequest = (
  name: string,
  action: HttpActionSpec,
  incident: TemplateIncident,
): HttpActionRequest => {
  const path = renderTemplate(action.pathTemplate, incident, encodeURIComponent);
  const problems: { path: string; message: string }[] = [];
  if (action.pathPattern !== undefined && !new RegExp(`^(?:${action.pathPattern})$`).test(path)) {
    problems.push({
      path: 'pathTemplate',
      message: `rendered ${JSON.stringify(path)}, which does not match /${action.pathPattern}/`,
    });
  } else if (action.pathPattern === undefined && path !== action.pathTemplate) {
    problems.push({ path: 'pathPattern', message: 'is missing: a templated path is never sent unchecked' });
  }
  if (problems.length > 0) throw new ValidationError(`action ${name}`, problems);
  const base = new URL(action.baseUrl);
  const url = new URL(path, base.origin);
  // `new URL` resolves dot segments; the schema refuses them, and this holds the host whatever the path.
  if (url.origin !== base.origin) {
    throw new ValidationError(`action ${name}`, [
      { path: 'pathTemplate', message: `rendered ${JSON.stringify(path)}, which leaves ${base.origin}` },
    ]);
  }
  return { method: action.method, url: url.toString(), path };
};

/** What the answer of an `http` action means: done when its status is one of the expected ones. */
export const httpActionOutcome = (
  status: number,
  expected: readonly number[],
): { readonly ok: boolean; readonly summary: string } =>
  expected.includes(status)
    ? { ok: true, summary: `answered ${status}` }
    : { ok: false, summary: `answered ${status}, expected ${expected.join(' or ')}` };

/** Past its run's own bound, a lock is taken over: its holder died without giving it back. */
const LOCK_MARGIN_MS = 5 * 60_000;

/**
 * When the lock of one run expires: the run's own bound (an HTTP timeout, an automation's timeout)
 * plus five minutes. A lock held past it belongs to a run that died, so the next run may take it.
 */
export const lockExpiresAt = (now: Date, runBoundMs: number): Date =>
  new Date(now.getTime() + runBoundMs + LOCK_MARGIN_MS);
