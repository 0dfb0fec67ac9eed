/**
 * Which states of the synthesized workflows the sandbox has entered. Every sandbox writes the states
 * its executions entered to `INCIDENT_STATE_COVERAGE_DIR` when it stops (one file per sandbox, since
 * tests run in several processes); {@link stateCoverage} adds them up against every state of every
 * state machine in the template. A state no sandbox enters is a path no test has run, and a path no
 * test has run is where the last round's bugs hid.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aslFromTemplate, type CfnTemplateJson, forEachState } from './sfn-local/asl';
import type { LocalExecution } from './sfn-local/local-runner';

/** Set to a folder, every sandbox of the process records the states it entered there. */
export const COVERAGE_DIR_ENV = 'INCIDENT_STATE_COVERAGE_DIR';

/** Writes the states `executions` entered, by workflow (lifecycle, escalation, postmortem), when coverage is collected. */
export const recordCoverage = (
  byMachine: Readonly<Record<string, readonly LocalExecution[]>>,
  dir = process.env[COVERAGE_DIR_ENV],
): void => {
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const entered = Object.fromEntries(
    Object.entries(byMachine).map(([machine, executions]) => [
      machine,
      [...new Set(executions.flatMap((e) => e.states.map((s) => s.name)))],
    ]),
  );
  writeFileSync(join(dir, `${process.pid}-${randomUUID()}.json`), JSON.stringify(entered));
};

export interface StateCoverage {
  readonly entered: number;
  readonly total: number;
  /** `<state machine>: <state>` never entered. */
  readonly missing: readonly string[];
}

/** Every state of every state machine in `template` against what the sandboxes recorded in `dir`. */
export const stateCoverage = (template: CfnTemplateJson, dir: string): StateCoverage => {
  const entered = new Map<string, Set<string>>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const recorded = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, string[]>;
    for (const [machine, states] of Object.entries(recorded)) {
      const set = entered.get(machine) ?? new Set<string>();
      for (const state of states) set.add(state);
      entered.set(machine, set);
    }
  }
  const resources = template.Resources as Record<string, { Type?: string }>;
  const all: string[] = [];
  const missing: string[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const machine = aslFromTemplate(template, { stateMachineLogicalId: id });
    // Recorded by workflow (`<stack>-lifecycle` -> lifecycle): sandboxes run under several stack names.
    const workflow = machine.stateMachineName.split('-').at(-1) ?? machine.stateMachineName;
    forEachState(machine.definition, (state) => {
      all.push(state);
      if (!entered.get(workflow)?.has(state)) missing.push(`${workflow}: ${state}`);
    });
  }
  return { entered: all.length - missing.length, total: all.length, missing };
};
