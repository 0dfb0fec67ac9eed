import { randomBytes } from 'node:crypto';
import type { SimClock } from './sim-clock';

/**
 * An error as Step Functions sees it: `name` is the Error a Retry/Catch matches, `message` the Cause.
 */
export class StatesError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/** Like the SendTask* `TaskDoesNotExist` exception: the token is unknown, already used, or its execution ended. */
export class TaskDoesNotExist extends Error {
  override readonly name = 'TaskDoesNotExist';
}

/** Like the SendTask* `TaskTimedOut` exception: the task behind the token already timed out. */
export class TaskTimedOut extends Error {
  override readonly name = 'TaskTimedOut';
}

/** Like the SendTask* `InvalidToken` exception: not a token at all. */
export class InvalidToken extends Error {
  override readonly name = 'InvalidToken';
}

/** Like SendTaskSuccess `InvalidOutput`: the output is not JSON. */
export class InvalidOutput extends Error {
  override readonly name = 'InvalidOutput';
}

/** A token handed to a `.waitForTaskToken` task, and the promise of its outcome. */
export interface IssuedTask {
  readonly token: string;
  /** Resolves with the output sent by sendTaskSuccess; rejects with a {@link StatesError}. */
  readonly promise: Promise<unknown>;
}

/** A token still waiting for an answer. */
export interface PendingTask {
  readonly token: string;
  readonly stateName: string;
  readonly issuedAt: Date;
  readonly timeoutAt?: Date;
}

/** Options for {@link TaskTokenBroker.issue}. */
export interface IssueOptions {
  /**
   * Simulated seconds without a heartbeat (or answer) after which the task fails with
   * `States.HeartbeatTimeout`. @default no heartbeat check
   */
  readonly heartbeatSeconds?: number;
  /** Withdraws the token (its execution ended): later calls get TaskDoesNotExist. */
  readonly signal?: AbortSignal;
}

type TokenState = 'succeeded' | 'failed' | 'timed-out' | 'withdrawn';

interface Entry {
  readonly stateName: string;
  readonly issuedAt: Date;
  readonly timeoutAt?: Date;
  readonly resolve: (output: unknown) => void;
  readonly reject: (error: StatesError) => void;
  readonly cleanup: () => void;
  restartHeartbeat: () => void;
}

const MAX_TOKEN_LENGTH = 2048;

/**
 * The local stand-in for SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat. Timeouts run on the
 * simulated clock: a task that nobody answers fails with `States.Timeout` when simulated time reaches
 * its deadline, not after real seconds.
 */
export class TaskTokenBroker {
  private readonly entries = new Map<string, Entry>();
  private readonly finished = new Map<string, TokenState>();

  constructor(private readonly clock: SimClock) {}

  /** Issues a unique opaque token for `stateName`; the promise settles on the first answer or timeout. */
  issue(stateName: string, timeoutSeconds?: number, options: IssueOptions = {}): IssuedTask {
    let token = randomBytes(48).toString('base64url');
    while (this.entries.has(token) || this.finished.has(token)) token = randomBytes(48).toString('base64url');
    const timers = new AbortController();
    const issuedAt = this.clock.now();
    const timeoutAt =
      timeoutSeconds === undefined ? undefined : new Date(issuedAt.getTime() + timeoutSeconds * 1000);
    const { promise, resolve, reject } = withResolvers<unknown>();
    // A token nobody waits for (its execution ended) must not surface as an unhandled rejection.
    promise.catch(() => undefined);

    const expire = (name: string, cause: string): void => {
      this.finish(token, 'timed-out');
      reject(new StatesError(name, cause));
    };
    const heartbeatTimers = { current: new AbortController() };
    const entry: Entry = {
      stateName,
      issuedAt,
      timeoutAt,
      resolve,
      reject,
      cleanup: () => {
        timers.abort();
        heartbeatTimers.current.abort();
      },
      restartHeartbeat: () => {
        if (options.heartbeatSeconds === undefined) return;
        heartbeatTimers.current.abort();
        heartbeatTimers.current = new AbortController();
        this.clock
          .sleep(options.heartbeatSeconds, {
            signal: heartbeatTimers.current.signal,
            label: `heartbeat ${stateName}`,
          })
          .then(
            () => expire('States.HeartbeatTimeout', `No heartbeat for ${options.heartbeatSeconds} s`),
            () => undefined,
          );
      },
    };
    this.entries.set(token, entry);
    if (timeoutAt !== undefined) {
      this.clock.sleepUntil(timeoutAt, { signal: timers.signal, label: `task timeout ${stateName}` }).then(
        () => expire('States.Timeout', `Task timed out after ${timeoutSeconds} s`),
        () => undefined,
      );
    }
    entry.restartHeartbeat();
    if (options.signal !== undefined) {
      const withdraw = (): void => {
        if (this.entries.has(token)) {
          this.finish(token, 'withdrawn');
          reject(new StatesError('States.Aborted', 'The execution that issued the token ended'));
        }
      };
      if (options.signal.aborted) withdraw();
      else options.signal.addEventListener('abort', withdraw, { once: true });
    }
    return { token, promise };
  }

  /** Completes the task with `output` (the parsed JSON that the SDK call would send as a string). */
  sendTaskSuccess(token: string, output: unknown): void {
    const entry = this.live(token);
    const text = JSON.stringify(output);
    if (text === undefined) throw new InvalidOutput('Task output must be a JSON value');
    this.finish(token, 'succeeded');
    entry.resolve(JSON.parse(text));
  }

  /** Fails the task: a Retry/Catch sees `error` as the Error and `cause` as the Cause. */
  sendTaskFailure(token: string, error: string, cause = ''): void {
    const entry = this.live(token);
    this.finish(token, 'failed');
    entry.reject(new StatesError(error, cause));
  }

  /** Restarts the heartbeat deadline of the task. */
  sendTaskHeartbeat(token: string): void {
    this.live(token).restartHeartbeat();
  }

  /** Tokens still waiting for an answer, oldest first, optionally only those of one state. */
  pending(stateName?: string): PendingTask[] {
    return [...this.entries]
      .filter(([, entry]) => stateName === undefined || entry.stateName === stateName)
      .map(([token, entry]) => ({
        token,
        stateName: entry.stateName,
        issuedAt: entry.issuedAt,
        ...(entry.timeoutAt === undefined ? {} : { timeoutAt: entry.timeoutAt }),
      }));
  }

  /** The entry still waiting for `token`; throws like the SendTask* APIs when there is none. */
  private live(token: string): Entry {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      throw new InvalidToken('Invalid task token');
    }
    const entry = this.entries.get(token);
    if (entry !== undefined) return entry;
    if (this.finished.get(token) === 'timed-out') {
      throw new TaskTimedOut('Task Timed Out: the task behind this token already timed out');
    }
    throw new TaskDoesNotExist('Task Does Not Exist: the token is unknown or was already used');
  }

  private finish(token: string, state: TokenState): void {
    const entry = this.entries.get(token);
    this.entries.delete(token);
    entry?.cleanup();
    this.finished.set(token, state);
  }
}

/** Promise.withResolvers, which the Node 20 lib types do not have. */
function withResolvers<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
} {
  let resolve: (value: T) => void = () => undefined;
  let reject: (reason: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
