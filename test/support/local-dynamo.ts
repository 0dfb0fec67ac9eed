import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { type LocalDynamo, startLocalDynamo } from '../../sandbox/local-aws/dynalite';

/** The table of {@link useLocalDynamo}: dynalite's, for as long as the tests that use it run. */
export type TestDynamo = Omit<LocalDynamo, 'stop'>;

export interface LocalDynamoOptions {
  /** A fresh dynalite (so an empty table) for each test, instead of one for the file's tests. */
  readonly perTest?: boolean;
  /**
   * Points AWS_ENDPOINT_URL_DYNAMODB at it while it runs, for the clients that the code under test
   * makes for itself (the CLI's).
   */
  readonly endpointEnv?: boolean;
}

/**
 * Starts dynalite with the incident table before the file's tests (or before each, `perTest`) and
 * stops it after them. Call it at the top of the file, before the hooks that use the table.
 */
export const useLocalDynamo = (options: LocalDynamoOptions = {}): TestDynamo => {
  let running: LocalDynamo | undefined;
  const start = async () => {
    running = await startLocalDynamo();
    if (options.endpointEnv) process.env.AWS_ENDPOINT_URL_DYNAMODB = running.endpoint;
  };
  const stop = async () => {
    if (options.endpointEnv) delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
    await running?.stop();
    running = undefined;
  };
  if (options.perTest) {
    beforeEach(start);
    afterEach(stop);
  } else {
    beforeAll(start);
    afterAll(stop);
  }
  const current = (): LocalDynamo => {
    if (!running) throw new Error('useLocalDynamo: the table exists only while the tests run');
    return running;
  };
  return {
    get endpoint() {
      return current().endpoint;
    },
    get store() {
      return current().store;
    },
    get doc() {
      return current().doc;
    },
    get tableName() {
      return current().tableName;
    },
  };
};
