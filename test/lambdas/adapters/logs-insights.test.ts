import { readFileSync } from 'node:fs';
import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  ResourceNotFoundException,
  StartQueryCommand,
  type StartQueryCommandOutput,
  StopQueryCommand,
  type StopQueryCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  LogsInsightsAdapter,
  LogsQueryFailedError,
  LogsQueryInputError,
  LogsQueryTimeoutError,
  topErrorsQuery,
} from '../../../lambdas/adapters/logs-insights';

const FIXTURES = new URL('../../fixtures/aws/', import.meta.url);
const load = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;

const started = () => load<StartQueryCommandOutput>('logs-start-query-aws-cli-example.json');
const running = () => load<GetQueryResultsCommandOutput>('logs-get-query-results-running-adapted.json');
const topErrors = () => load<GetQueryResultsCommandOutput>('logs-get-query-results-top-errors-adapted.json');
const QUERY_ID = '2dac81d5-a6a5-45d7-b355-c842b1a7c0c5';

const from = new Date('2024-04-11T10:00:00.250Z');
const to = new Date('2024-04-11T11:00:00.250Z');

const logs = mockClient(CloudWatchLogsClient);
/** Records the waits instead of waiting. */
const sleep = vi.fn(async (_ms: number) => {});
const adapter = new LogsInsightsAdapter(new CloudWatchLogsClient({}), sleep);

beforeEach(() => {
  logs.reset();
  sleep.mockClear();
  logs.on(StartQueryCommand).resolves(started());
  logs.on(StopQueryCommand).resolves(load<StopQueryCommandOutput>('logs-stop-query-aws-cli-example.json'));
});

const polls = () => logs.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input);

describe('LogsInsightsAdapter.topErrors', () => {
  it('starts a bounded query, polls until Complete and maps the rows', async () => {
    logs.on(GetQueryResultsCommand).resolvesOnce(running()).resolvesOnce(running()).resolves(topErrors());

    const result = await adapter.topErrors('/ecs/checkout', from, to, 5, { pollMs: 250 });

    expect(logs.commandCalls(StartQueryCommand)[0]?.args[0].input).toEqual({
      logGroupName: '/ecs/checkout',
      startTime: 1712829600,
      endTime: 1712833201,
      queryString:
        'filter @message like /(?i)(error|exception|fatal|timeout)/ | stats count(*) as count by @message' +
        ' | sort count desc | limit 5',
      limit: 5,
    });
    expect(polls()).toEqual([{ queryId: QUERY_ID }, { queryId: QUERY_ID }, { queryId: QUERY_ID }]);
    expect(sleep.mock.calls).toEqual([[250], [250], [250]]);
    expect(result).toEqual([
      { message: 'ERROR Connection timeout after 5000 ms to payments-db:5432', count: 412 },
      {
        message: 'java.lang.NullPointerException: Cannot invoke "Cart.total()" because "cart" is null',
        count: 37,
      },
      { message: 'FATAL unable to load config /etc/app/feature-flags.json', count: 3 },
    ]);
    expect(logs.commandCalls(StopQueryCommand)).toHaveLength(0);
  });

  it('puts the limit in the query and keeps only that many, most frequent first', async () => {
    const reply = topErrors();
    reply.results?.reverse();
    logs.on(GetQueryResultsCommand).resolves(reply);

    const result = await adapter.topErrors('/ecs/checkout', from, to, 2);

    expect(logs.commandCalls(StartQueryCommand)[0]?.args[0].input.queryString).toBe(topErrorsQuery(2));
    expect(topErrorsQuery(2)).toMatch(/\| limit 2$/);
    expect(result.map((r) => r.count)).toEqual([412, 37]);
  });

  it('ignores rows without the stats fields rather than reporting NaN counts', async () => {
    // The aws-cli example answers a `fields @timestamp, @message` query: messages, but no count.
    logs.on(GetQueryResultsCommand).resolves(load('logs-get-query-results-aws-cli-example.json'));

    await expect(adapter.topErrors('/ecs/checkout', from, to)).resolves.toEqual([]);
  });

  it.each(['Failed', 'Cancelled', 'Timeout'] as const)(
    'fails when the query ends %s, without stopping it',
    async (status) => {
      logs
        .on(GetQueryResultsCommand)
        .resolvesOnce(running())
        .resolves({ ...running(), status });

      const failure = adapter.topErrors('/ecs/checkout', from, to);

      await expect(failure).rejects.toBeInstanceOf(LogsQueryFailedError);
      await expect(failure).rejects.toThrow(
        `Logs Insights query ${QUERY_ID} on /ecs/checkout ended ${status}`,
      );
      expect(logs.commandCalls(StopQueryCommand)).toHaveLength(0);
    },
  );

  it('stops a query that never completes and says it timed out, without waiting in real time', async () => {
    logs.on(GetQueryResultsCommand).resolves(running());

    const failure = adapter.topErrors('/ecs/checkout', from, to, 5, { maxPolls: 3, pollMs: 1000 });

    await expect(failure).rejects.toBeInstanceOf(LogsQueryTimeoutError);
    await expect(failure).rejects.toThrow(/timed out: not complete after 3 polls \(3000 ms\); stopped it/);
    expect(polls()).toHaveLength(3);
    expect(sleep).toHaveBeenCalledTimes(3);
    expect(logs.commandCalls(StopQueryCommand)[0]?.args[0].input).toEqual({ queryId: QUERY_ID });
  });

  it('polls at most 20 times by default', async () => {
    logs.on(GetQueryResultsCommand).resolves(running());

    await expect(adapter.topErrors('/ecs/checkout', from, to)).rejects.toThrow('after 20 polls (10000 ms)');
    expect(polls()).toHaveLength(20);
    expect(sleep.mock.calls.every(([ms]) => ms === 500)).toBe(true);
  });

  it('still reports the timeout when StopQuery itself fails, with that failure as the cause', async () => {
    logs.on(GetQueryResultsCommand).resolves(running());
    const stopFailure = new ResourceNotFoundException({ message: 'query not found', $metadata: {} });
    logs.on(StopQueryCommand).rejects(stopFailure);

    const failure = adapter.topErrors('/ecs/checkout', from, to, 5, { maxPolls: 1 });

    await expect(failure).rejects.toBeInstanceOf(LogsQueryTimeoutError);
    await expect(failure).rejects.toMatchObject({ message: expect.stringContaining('StopQuery failed') });
    await expect(failure).rejects.toHaveProperty('cause', stopFailure);
  });

  it('lets a StartQuery error through with its name and never polls', async () => {
    logs
      .on(StartQueryCommand)
      .rejects(new ResourceNotFoundException({ message: 'Log group does not exist', $metadata: {} }));

    await expect(adapter.topErrors('/ecs/missing', from, to)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(polls()).toHaveLength(0);
  });

  it.each([
    ['a reversed window', () => adapter.topErrors('/ecs/checkout', to, from)],
    ['a limit of 0', () => adapter.topErrors('/ecs/checkout', from, to, 0)],
    ['a limit of 101', () => adapter.topErrors('/ecs/checkout', from, to, 101)],
    ['no polls', () => adapter.topErrors('/ecs/checkout', from, to, 5, { maxPolls: 0 })],
  ])('refuses %s before starting a query', async (_, call) => {
    await expect(call()).rejects.toBeInstanceOf(LogsQueryInputError);
    expect(logs.commandCalls(StartQueryCommand)).toHaveLength(0);
  });
});
