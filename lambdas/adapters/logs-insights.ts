/**
 * The most frequent error-looking log messages of a log group in a window, through CloudWatch Logs
 * Insights: StartQuery, then GetQueryResults until the query completes.
 *
 * Bounded: at most `maxPolls` polls, `pollMs` apart, through the injected `sleep` (tests and the
 * sandbox pass one that does not wait in real time). A query that has not completed by then is
 * stopped (StopQuery) and reported as {@link LogsQueryTimeoutError}; a query that ends Failed,
 * Cancelled or Timeout is a {@link LogsQueryFailedError}. Errors from CloudWatch Logs propagate with
 * their `name` (ResourceNotFoundException for a missing log group, LimitExceededException, ...).
 */
import {
  type CloudWatchLogsClient,
  GetQueryResultsCommand,
  type ResultField,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { IncidentError } from '../domain/errors';
import type { LogMessageCount } from '../domain/evidence';

/** The query ended in a state other than Complete. */
export class LogsQueryFailedError extends IncidentError {}

/** The query did not complete within the poll budget; it was stopped. */
export class LogsQueryTimeoutError extends IncidentError {}

/** A query Logs Insights must never be sent (a reversed window, a limit out of range). */
export class LogsQueryInputError extends IncidentError {}

export interface PollOptions {
  /** @default 20 */
  readonly maxPolls?: number;
  /** @default 500 */
  readonly pollMs?: number;
}

/** Logs Insights returns at most 10,000 rows; a top-N list never needs more than this. */
const MAX_LIMIT = 100;

/** Case-insensitive, so `ERROR`, `Exception` and `fatal` all count. */
export const topErrorsQuery = (limit: number): string =>
  [
    'filter @message like /(?i)(error|exception|fatal|timeout)/',
    'stats count(*) as count by @message',
    'sort count desc',
    `limit ${limit}`,
  ].join(' | ');

const FAILED_STATUSES: ReadonlySet<string> = new Set(['Failed', 'Cancelled', 'Timeout']);

const toCount = (row: readonly ResultField[]): LogMessageCount | undefined => {
  const message = row.find((f) => f.field === '@message')?.value;
  const count = Number(row.find((f) => f.field === 'count')?.value);
  // A row without the stats fields (a query of another shape) is not a count of anything.
  if (message === undefined || !Number.isFinite(count)) return undefined;
  return { message, count };
};

export class LogsInsightsAdapter {
  constructor(
    private readonly logs: CloudWatchLogsClient,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  /**
   * Error-looking messages in `[from, to]`, most frequent first.
   * @param limit 1..100, default 5.
   */
  async topErrors(
    logGroup: string,
    from: Date,
    to: Date,
    limit = 5,
    { maxPolls = 20, pollMs = 500 }: PollOptions = {},
  ): Promise<LogMessageCount[]> {
    if (!(from.getTime() < to.getTime()))
      throw new LogsQueryInputError(
        `log window must end after it starts: ${from.toISOString()} .. ${to.toISOString()}`,
      );
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
      throw new LogsQueryInputError(`limit must be an integer in 1..${MAX_LIMIT}, got ${limit}`);
    if (!Number.isInteger(maxPolls) || maxPolls < 1)
      throw new LogsQueryInputError(`maxPolls must be a positive integer, got ${maxPolls}`);

    const started = await this.logs.send(
      new StartQueryCommand({
        logGroupName: logGroup,
        // Logs Insights takes epoch seconds; the window is widened to whole seconds, never narrowed.
        startTime: Math.floor(from.getTime() / 1000),
        endTime: Math.ceil(to.getTime() / 1000),
        queryString: topErrorsQuery(limit),
        limit,
      }),
    );
    const queryId = started.queryId;
    if (!queryId)
      throw new LogsQueryFailedError(`Logs Insights on ${logGroup}: StartQuery returned no queryId`);

    for (let poll = 1; poll <= maxPolls; poll += 1) {
      await this.sleep(pollMs);
      const out = await this.logs.send(new GetQueryResultsCommand({ queryId }));
      if (out.status === 'Complete') {
        return (out.results ?? [])
          .map(toCount)
          .filter((c): c is LogMessageCount => c !== undefined)
          .sort((a, b) => b.count - a.count)
          .slice(0, limit);
      }
      if (out.status && FAILED_STATUSES.has(out.status))
        throw new LogsQueryFailedError(`Logs Insights query ${queryId} on ${logGroup} ended ${out.status}`);
    }

    let stopFailure: unknown;
    try {
      await this.logs.send(new StopQueryCommand({ queryId }));
    } catch (error) {
      stopFailure = error;
    }
    throw new LogsQueryTimeoutError(
      `Logs Insights query ${queryId} on ${logGroup} timed out: not complete after ${maxPolls} polls ` +
        `(${maxPolls * pollMs} ms); ${stopFailure ? 'StopQuery failed' : 'stopped it'}`,
      stopFailure ? { cause: stopFailure } : undefined,
    );
  }
}
