/** What the runner needs of aws-local-stepfunctions beyond its API: its types, its quirks, its boundary. */
import { StateMachine } from 'aws-local-stepfunctions';
import { WAIT_RESOURCE } from './run-plan';
import type { StatesError } from './task-token-broker';

export type Overrides = {
  taskResourceLocalHandlers: Record<string, (input: LibJson) => Promise<LibJson>>;
  retryIntervalOverrides: Record<string, number>;
};
export type LibJson = Parameters<StateMachine['run']>[0];
export type LibEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

let makeInterpreterTimeout: (() => Error) | undefined;
let timeoutProbe: Promise<void> | undefined;

/**
 * The interpreter matches `States.TaskFailed` against everything except an instance of its own
 * (unexported) timeout error class, so a timeout raised here must be one of those or a TaskFailed
 * catcher would wrongly take it. A one-millisecond probe run captures the class once per process.
 */
export function libTimeoutError(): Promise<void> {
  timeoutProbe ??= (async () => {
    installPromiseWithResolvers();
    const probe = new StateMachine(
      {
        StartAt: 'Probe',
        States: { Probe: { Type: 'Task', Resource: WAIT_RESOURCE, TimeoutSeconds: 0.001, End: true } },
      },
      { validationOptions: { noValidate: true } },
    );
    const run = probe.run(null, {
      overrides: { taskResourceLocalHandlers: { Probe: () => new Promise<never>(() => undefined) } },
    });
    const failure = await run.result.then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error.cause : undefined),
    );
    if (!(failure instanceof Error) || failure.name !== 'States.Timeout') {
      throw new Error(
        'aws-local-stepfunctions no longer times out tasks as expected; the sandbox needs updating',
      );
    }
    const TimeoutError = failure.constructor as new () => Error;
    makeInterpreterTimeout = () => new TimeoutError();
  })();
  return timeoutProbe;
}

export function forInterpreter(failure: StatesError): Error {
  if (failure.name !== 'States.Timeout' || makeInterpreterTimeout === undefined) return failure;
  const timeout = makeInterpreterTimeout();
  timeout.message = failure.message;
  return timeout;
}

export function replaceInStrings(node: unknown, search: string, replacement: string): unknown {
  if (typeof node === 'string') return node.replaceAll(search, () => replacement);
  if (Array.isArray(node)) return node.map((item) => replaceInStrings(item, search, replacement));
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, replaceInStrings(value, search, replacement)]),
  );
}

/** What crosses a Lambda boundary: JSON, undefined as null (dates become strings, as on AWS). */
export function toJson(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}

/** aws-local-stepfunctions 3 calls Promise.withResolvers, which Node 20 lacks. */
export function installPromiseWithResolvers(): void {
  const promise = Promise as unknown as Record<string, unknown>;
  if (typeof promise.withResolvers === 'function') return;
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve: (value: T | PromiseLike<T>) => void = () => undefined;
      let reject: (reason?: unknown) => void = () => undefined;
      const created = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise: created, resolve, reject };
    },
  });
}
