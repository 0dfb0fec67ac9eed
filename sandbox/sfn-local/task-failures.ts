/** How a Task's failures are retried and what error a Retry or Catch sees. */
import type { Retrier, TaskKind } from './run-plan';
import { StatesError } from './task-token-broker';

/** The first retrier whose ErrorEquals matches, as Step Functions picks it; -1 when none does. */
export function matchRetrier(retriers: readonly Retrier[], error: string): number {
  if (error === 'States.Runtime') return -1;
  return retriers.findIndex((retrier) =>
    retrier.ErrorEquals.some(
      (name) =>
        name === error ||
        name === 'States.ALL' ||
        (name === 'States.TaskFailed' && error !== 'States.Timeout'),
    ),
  );
}

export function backoffSeconds(retrier: Retrier, retriesSoFar: number, random: () => number): number {
  const interval = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** retriesSoFar;
  const capped =
    retrier.MaxDelaySeconds === undefined ? interval : Math.min(interval, retrier.MaxDelaySeconds);
  return retrier.JitterStrategy === 'FULL' ? capped * random() : capped;
}

export function lambdaPayload(parameters: unknown): unknown {
  if (typeof parameters === 'object' && parameters !== null && 'Payload' in parameters)
    return parameters.Payload;
  return {};
}

/** The error a Retry/Catch sees when a handler throws: Lambda tasks get the Lambda runtime's JSON cause. */
export function handlerFailure(error: unknown, kind: TaskKind): StatesError {
  const name = error instanceof Error && error.name !== '' ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (kind === 'other') return new StatesError(name, message);
  const trace = error instanceof Error ? (error.stack?.split('\n') ?? []) : [];
  return new StatesError(name, JSON.stringify({ errorType: name, errorMessage: message, trace }));
}

export function asStatesError(error: unknown): StatesError {
  if (error instanceof StatesError) return error;
  if (error instanceof Error) return new StatesError(error.name, error.message);
  return new StatesError('Error', String(error));
}

export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
