/**
 * (b) State transitions per incident, as Step Functions Standard bills them: every state entered
 * counts (Pass, Choice, Wait and Succeed included) and so does every retry. A scenario is played minute by minute as a drill plays it, then the sandbox settles
 * until every execution has ended, so the ALARM execution runs to its end (through the reopen
 * window when there is one) as it would on AWS after the drill stops watching.
 */
import type { DeliveryRecord } from '../sandbox/sandbox';
import { Sandbox } from '../sandbox/sandbox';
import { SCENARIOS, type Scenario } from '../sandbox/scenarios';
import { type Summary, summarize } from './stats';

/** Step Functions Standard: USD per state transition ($0.025 per 1,000), free tier ignored. */
export const USD_PER_TRANSITION = 0.025 / 1000;

const MINUTE = 60_000;

export interface ExecutionTransitions {
  readonly executionId: string;
  /** The alarm state the delivered event carried (ALARM, OK). */
  readonly trigger: string;
  readonly outcome: string;
  readonly status: string;
  /** States entered, in order, as `name (Type)`. */
  readonly states: readonly string[];
  readonly retries: number;
  /** States entered plus retries. */
  readonly transitions: number;
  /** Task states entered plus retries: one Lambda invocation each. */
  readonly lambdaInvocations: number;
}

export interface IncidentTransitions {
  readonly incidentId: string;
  readonly transitions: number;
  readonly executions: readonly ExecutionTransitions[];
}

export interface TransitionsRun {
  readonly incidents: readonly IncidentTransitions[];
  /** Executions whose intake named no incident (ignored, rejected): billed too, but nobody's. */
  readonly unattributed: readonly ExecutionTransitions[];
}

export interface TransitionsResult {
  readonly scenario: string;
  readonly runs: number;
  /** Transitions per incident: all transitions of the incidents' executions over their number. */
  readonly perIncident: Summary;
  readonly usdPerIncident: number;
  readonly usdPer1000Incidents: number;
  /** The breakdown of the last run. */
  readonly breakdown: TransitionsRun;
}

interface AlarmEventShape {
  readonly detail?: { readonly state?: { readonly value?: string } };
}

/** Plays the scenario as runDrill does (apply steps, evaluate alarms, deliver, settle), minute by minute. */
const play = async (sandbox: Sandbox, scenario: Scenario, start: Date): Promise<void> => {
  const deliveries = scenario.deliveries?.(start) ?? [];
  for (let m = 0; m <= scenario.durationMinutes; m++) {
    await sandbox.clock.advanceTo(new Date(start.getTime() + m * MINUTE));
    for (const step of scenario.steps.filter((s) => s.atMinute === m)) step.apply(sandbox.env);
    for (const event of sandbox.env.evaluate()) sandbox.deliver(event);
    for (const d of deliveries.filter((d) => d.atMinute === m)) sandbox.deliver(d.event);
    await sandbox.settle(sandbox.clock.now());
  }
  await sandbox.settle();
};

const runOnce = async (scenario: Scenario): Promise<TransitionsRun> => {
  const start = new Date(Math.floor(Date.now() / MINUTE) * MINUTE);
  let sandbox: Sandbox | undefined;
  try {
    sandbox = await Sandbox.start({ config: scenario.config, start });
    await play(sandbox, scenario, start);
    const describe = (record: DeliveryRecord): ExecutionTransitions => {
      const execution = sandbox?.execution(record.executionId);
      if (!execution) throw new Error(`the sandbox has no execution ${record.executionId}`);
      if (execution.status === 'RUNNING')
        throw new Error(`${execution.id} still runs after the sandbox settled`);
      const retries = execution.states.reduce((n, s) => n + s.retries, 0);
      const tasks = execution.states.filter((s) => s.type === 'Task');
      return {
        executionId: execution.id,
        trigger: (record.event as AlarmEventShape).detail?.state?.value ?? '?',
        outcome: record.intake?.outcome ?? 'lost',
        status: execution.status,
        states: execution.states.map((s) => `${s.name} (${s.type})`),
        retries,
        transitions: execution.states.length + retries,
        lambdaInvocations: tasks.length + tasks.reduce((n, s) => n + s.retries, 0),
      };
    };
    const byIncident = new Map<string, ExecutionTransitions[]>();
    const unattributed: ExecutionTransitions[] = [];
    for (const record of sandbox.deliveries) {
      const id = record.intake?.incidentId;
      if (id === undefined) unattributed.push(describe(record));
      else byIncident.set(id, [...(byIncident.get(id) ?? []), describe(record)]);
    }
    const incidents = [...byIncident].map(([incidentId, executions]) => ({
      incidentId,
      transitions: executions.reduce((n, e) => n + e.transitions, 0),
      executions,
    }));
    return { incidents, unattributed };
  } finally {
    await sandbox?.stop();
  }
};

/** Plays the scenario `runs` times; the count should not vary, and the summary shows if it does. */
const measureScenario = async (runs: number, scenarioName: string): Promise<TransitionsResult> => {
  const scenario = SCENARIOS[scenarioName];
  if (!scenario) throw new Error(`no scenario ${scenarioName}`);
  const results: TransitionsRun[] = [];
  for (let i = 0; i < runs; i++) results.push(await runOnce(scenario));
  const perIncident = summarize(
    results.map((r) => {
      if (r.incidents.length === 0) throw new Error(`${scenarioName} opened no incident`);
      return r.incidents.reduce((n, i) => n + i.transitions, 0) / r.incidents.length;
    }),
  );
  return {
    scenario: scenarioName,
    runs,
    perIncident,
    usdPerIncident: perIncident.median * USD_PER_TRANSITION,
    usdPer1000Incidents: perIncident.median * USD_PER_TRANSITION * 1000,
    breakdown: results[results.length - 1] as TransitionsRun,
  };
};

/**
 * The common path, bad-deploy (a P2: it owes a post-mortem, so its workflow ends without the reopen
 * window), then memory-leak (a P3: the workflow waits out the reopen window and closes it).
 */
export const TRANSITION_SCENARIOS = ['bad-deploy', 'memory-leak'] as const;

export const measureTransitions = async (runs: number): Promise<TransitionsResult[]> => {
  const results: TransitionsResult[] = [];
  for (const name of TRANSITION_SCENARIOS) results.push(await measureScenario(runs, name));
  return results;
};
