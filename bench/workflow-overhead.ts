/**
 * (a) Workflow overhead: real wall-clock time from `deliver()` of one ALARM event until the intake
 * reports the incident opened, and until its INCIDENT page is in the outbox. No Wait state lies on
 * that path, so no simulated wait is in the figure. Sandbox start-up (CDK synth, dynalite, fauxqs)
 * is measured apart. This is the local interpreter with dynalite and fauxqs on loopback, in one
 * Node process: it says what the workflow costs to run here, not how fast it is on AWS.
 */
import { readFileSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parseConfig } from '../lambdas/contract/config';
import type { IntakeResult } from '../lambdas/services/intake';
import { type DeliveryRecord, Sandbox, synthesizeTemplate } from '../sandbox/sandbox';
import { DRILL_CONFIG } from '../sandbox/scenarios';
import { type Summary, summarize, timed } from './stats';

export const ALARM_NAME = 'checkout-error-rate';

const SAMPLE = new URL('../test/events/eventbridge/metric-alarm-state-change-aws-docs.json', import.meta.url);

/** Longest real time one step may take before the run is declared stuck. */
const DEADLINE_MS = 30_000;

interface SampleEvent {
  time: string;
  resources: string[];
  detail: { alarmName: string; state: { timestamp: string } };
}

/** The AWS documentation's metric alarm sample, renamed to an alarm DRILL_CONFIG watches. */
export const checkoutAlarmEvent = (): SampleEvent => {
  const event = JSON.parse(readFileSync(SAMPLE, 'utf8')) as SampleEvent;
  event.detail.alarmName = ALARM_NAME;
  event.resources = event.resources.map((arn) => arn.replace(/alarm:.*$/, `alarm:${ALARM_NAME}`));
  return event;
};

export interface WorkflowOverheadRun {
  readonly startupMs: number;
  readonly openedMs: number;
  readonly pagedMs: number;
  readonly incidentId: string;
}

export interface WorkflowOverheadResult {
  readonly runs: number;
  /** CDK synth of DRILL_CONFIG, once per process (the sandbox caches the template). */
  readonly synthMs: number;
  /** Sandbox.start with the template cached: dynalite, fauxqs, the local workflow. */
  readonly startupMs: Summary;
  /** deliver() until the intake reported `opened`. */
  readonly openedMs: Summary;
  /** deliver() until the INCIDENT page was read from the outbox. */
  readonly pagedMs: Summary;
  readonly perRun: readonly WorkflowOverheadRun[];
}

const elapsed = (since: number) => performance.now() - since;

const waitForIntake = async (record: DeliveryRecord, since: number): Promise<IntakeResult> => {
  while (record.intake === undefined) {
    if (record.status === 'FAILED') throw new Error(`the ALARM execution failed: ${record.error}`);
    if (elapsed(since) > DEADLINE_MS) throw new Error(`no intake result after ${DEADLINE_MS} ms`);
    await nextTurn();
  }
  return record.intake;
};

/** Reads the outbox until the INCIDENT page of `incidentId` is there; one poll is one SQS round trip. */
const waitForIncidentPage = async (sandbox: Sandbox, incidentId: string, since: number): Promise<void> => {
  for (;;) {
    const fresh = await sandbox.sns.drain();
    if (fresh.some((page) => page.kind === 'INCIDENT' && page.incidentId === incidentId)) return;
    if (elapsed(since) > DEADLINE_MS)
      throw new Error(`no INCIDENT page for ${incidentId} after ${DEADLINE_MS} ms`);
    await nextTurn();
  }
};

const runOnce = async (event: SampleEvent): Promise<WorkflowOverheadRun> => {
  // The simulated clock starts at the state change; CloudWatch writes the offset as +0000.
  const start = new Date(event.detail.state.timestamp.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  const { ms: startupMs, value: sandbox } = await timed(() => Sandbox.start({ config: DRILL_CONFIG, start }));
  try {
    const delivered = performance.now();
    const record = sandbox.deliver(structuredClone(event));
    // Driven as a drill drives it; nothing on this path waits for simulated time.
    const settled = sandbox.settle(sandbox.clock.now());
    settled.catch(() => undefined);
    const intake = await waitForIntake(record, delivered);
    const openedMs = elapsed(delivered);
    if (intake.outcome !== 'opened' || intake.incidentId === undefined)
      throw new Error(`expected the intake to open an incident, got ${JSON.stringify(intake)}`);
    await waitForIncidentPage(sandbox, intake.incidentId, delivered);
    const pagedMs = elapsed(delivered);
    await settled;
    return { startupMs, openedMs, pagedMs, incidentId: intake.incidentId };
  } finally {
    await sandbox.stop();
  }
};

/** One untimed warm-up run (module loading, JIT), then `runs` timed runs, each in a fresh sandbox. */
export const measureWorkflowOverhead = async (runs: number): Promise<WorkflowOverheadResult> => {
  const { ms: synthMs } = await timed(async () =>
    synthesizeTemplate(parseConfig(DRILL_CONFIG, 'DRILL_CONFIG')),
  );
  const event = checkoutAlarmEvent();
  await runOnce(event);
  const perRun: WorkflowOverheadRun[] = [];
  for (let i = 0; i < runs; i++) perRun.push(await runOnce(event));
  return {
    runs,
    synthMs,
    startupMs: summarize(perRun.map((r) => r.startupMs)),
    openedMs: summarize(perRun.map((r) => r.openedMs)),
    pagedMs: summarize(perRun.map((r) => r.pagedMs)),
    perRun,
  };
};
