/** What the sandbox reports of its executions: per delivery, per workflow, and why one failed. */
import type { IntakeResult } from '../lambdas/services/intake';
import type { LocalExecution } from './sfn-local/local-runner';

/** How the executions of every workflow the sandbox ran have ended. */
export interface ExecutionSummary {
  /** Per workflow, how many executions ended how (RUNNING: still waiting). */
  readonly byWorkflow: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly failures: ReadonlyArray<{
    readonly workflow: string;
    readonly name: string;
    readonly error: string;
  }>;
}

/** Executions ended other than SUCCEEDED in a sandbox that did not allow it. */
export class FailedExecutionsError extends Error {
  override readonly name = 'FailedExecutionsError';
}

/** Why an execution ended: the first state that failed (the cause) and how the execution ended. */
type ExecutionEventWithError = { readonly error: string; readonly cause: string };

const lastError = (events: LocalExecution['events']): string => {
  const first = events.find(
    (e): e is Extract<LocalExecution['events'][number], { type: 'StateFailed' }> => e.type === 'StateFailed',
  );
  const end = [...events]
    .reverse()
    .find(
      (e): e is ExecutionEventWithError & LocalExecution['events'][number] => 'error' in e && !('state' in e),
    );
  const describe = (e: ExecutionEventWithError | undefined) => (e ? `${e.error}: ${e.cause}` : '');
  return (
    [first ? `${first.state} failed with ${describe(first)}` : '', describe(end)]
      .filter(Boolean)
      .join('; then ') || 'no error recorded'
  );
};

/** What one delivered event became. */
export interface DeliveryRecord {
  readonly event: unknown;
  readonly executionId: string;
  /** The intake's verdict, once RecordSignal ran. */
  intake?: IntakeResult;
  /** How the execution ended: SUCCEEDED, FAILED, or RUNNING while it waits. */
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  error?: string;
}

/** How every execution of the given workflows has ended so far. */
export function summarizeExecutions(
  workflows: ReadonlyArray<readonly [string, { executions(): LocalExecution[] }]>,
): ExecutionSummary {
  const ended = (e: LocalExecution) =>
    e.status === 'RUNNING' || e.status === 'SUCCEEDED' ? '' : lastError(e.events);
  const all = workflows.flatMap(([workflow, runner]) =>
    runner.executions().map((e) => ({ workflow, name: e.name, status: e.status, error: ended(e) })),
  );
  const byWorkflow: Record<string, Record<string, number>> = {};
  for (const e of all) {
    const counts = byWorkflow[e.workflow] ?? {};
    counts[e.status] = (counts[e.status] ?? 0) + 1;
    byWorkflow[e.workflow] = counts;
  }
  return {
    byWorkflow,
    failures: all
      .filter((e) => e.status !== 'RUNNING' && e.status !== 'SUCCEEDED')
      .map(({ workflow, name, status, error }) => ({ workflow, name, error: `${status}: ${error}` })),
  };
}
