/**
 * Running a synthesized state machine on the local interpreter (sandbox/sfn-local) in a test: the
 * simulated clock and token broker, the workflow, the calls its Tasks made, and how an execution ended.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { aslFromTemplate, type TemplateStateMachine } from '../../sandbox/sfn-local/asl';
import {
  type ExecutionFailedError,
  type LocalExecution,
  type LocalHandler,
  LocalWorkflow,
} from '../../sandbox/sfn-local/local-runner';
import { SimClock } from '../../sandbox/sfn-local/sim-clock';
import { TaskTokenBroker } from '../../sandbox/sfn-local/task-token-broker';
import { onlyIdOf } from './template';

/** The time a local run plays in: a simulated clock from `start`, and the broker of its task tokens. */
export interface SimulatedTime {
  readonly clock: SimClock;
  readonly broker: TaskTokenBroker;
}

export const simulatedTime = (start: Date | string): SimulatedTime => {
  const clock = new SimClock({ start });
  return { clock, broker: new TaskTokenBroker(clock) };
};

/** The only state machine of `template`, as the local interpreter reads it. */
export const onlyStateMachine = (template: Template): TemplateStateMachine =>
  aslFromTemplate(template.toJSON(), {
    stateMachineLogicalId: onlyIdOf(template, 'AWS::StepFunctions::StateMachine'),
  });

/** `machine` on the local interpreter, in `time`, each Task answered by its handler. */
export const localWorkflow = (
  machine: TemplateStateMachine,
  handlers: Readonly<Record<string, LocalHandler>>,
  time: SimulatedTime,
): LocalWorkflow =>
  new LocalWorkflow({
    definition: machine.definition,
    tasks: machine.tasks,
    stateMachineName: machine.stateMachineName,
    handlers,
    ...time,
  });

/** How `execution` ended once `clock` had nothing left to play: SUCCEEDED, or the status and error it failed with. */
export const outcomeOf = async (execution: LocalExecution, clock: SimClock) => {
  await clock.settle();
  return execution.result.then(
    () => ({ status: 'SUCCEEDED', error: undefined }),
    (error: ExecutionFailedError) => ({ status: error.status, error: error.error }),
  );
};

/** One Task call of a local run: the state, when (simulated), and its input. */
export interface TaskCall<I = unknown> {
  readonly state: string;
  readonly at: string;
  readonly input: I;
}

/**
 * `handlers`, each noting its call in `calls` before it answers, with the input as `read` returns it
 * (a schema's parse: every input must be one the function accepts).
 */
export const recordingCalls = <I>(
  handlers: Readonly<Partial<Record<string, LocalHandler>>>,
  calls: TaskCall<I>[],
  read: (input: unknown) => I,
): Record<string, LocalHandler> =>
  Object.fromEntries(
    Object.entries(handlers).map(([state, handler]): [string, LocalHandler] => [
      state,
      async (input, context) => {
        calls.push({ state, at: context.now.toISOString(), input: read(input) });
        return (handler as LocalHandler)(input, context);
      },
    ]),
  );

/** The calls of `calls` to the state `state`, in order. */
export const callsTo =
  <C extends { readonly state: string }>(calls: readonly C[]) =>
  (state: string): C[] =>
    calls.filter((call) => call.state === state);

/**
 * Starts the only state machine of `template` with `run.input` on the local interpreter, from
 * `run.start` on a simulated clock, and plays it to its end: each Task's call is noted with its input
 * as `run.read` parses it, then `handlers` answers it.
 */
export const playLocally = async <I>(
  template: Template,
  handlers: Readonly<Partial<Record<string, LocalHandler>>>,
  run: { readonly start: Date; readonly input: unknown; readonly read: (input: unknown) => I },
) => {
  const time = simulatedTime(run.start);
  const calls: TaskCall<I>[] = [];
  const workflow = localWorkflow(onlyStateMachine(template), recordingCalls(handlers, calls, run.read), time);
  const execution = workflow.start(run.input);
  return { outcome: await outcomeOf(execution, time.clock), calls, execution, callsOf: callsTo(calls) };
};
