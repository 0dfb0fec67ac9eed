/**
 * (d) The alarm storm drill: 1,000 deliveries over 50 services, duplicated and out of order, played
 * through runDrill. Wall time is real time for the whole drill, sandbox start-up included (the
 * storm config's CDK synth is done once beforehand and reported apart, as the sandbox caches it).
 */
import { parseConfig } from '../lambdas/contract/config';
import { type DrillReport, runDrill } from '../sandbox/drill';
import { synthesizeTemplate } from '../sandbox/sandbox';
import { SCENARIOS } from '../sandbox/scenarios';
import { type Summary, summarize, timed } from './stats';

const SCENARIO = 'alarm-storm';

export interface StormRun {
  readonly wallMs: number;
  readonly incidents: number;
  readonly pages: number;
  readonly duplicatePages: number;
  readonly deliveries: DrillReport['deliveries'];
  readonly failedExecutions: number;
}

export interface StormResult {
  readonly scenario: string;
  readonly runs: number;
  readonly synthMs: number;
  readonly wallMs: Summary;
  /** Deliveries over wall seconds, per run. */
  readonly eventsPerSecond: Summary;
  /** Incidents, pages, duplicates, lost and failed of every run: correctness, not speed. */
  readonly perRun: readonly StormRun[];
}

export const measureStorm = async (runs: number): Promise<StormResult> => {
  const scenario = SCENARIOS[SCENARIO];
  if (!scenario) throw new Error(`no scenario ${SCENARIO}`);
  const { ms: synthMs } = await timed(async () => synthesizeTemplate(parseConfig(scenario.config, SCENARIO)));
  const perRun: StormRun[] = [];
  for (let i = 0; i < runs; i++) {
    const { ms, value: report } = await timed(() => runDrill(scenario));
    perRun.push({
      wallMs: ms,
      incidents: report.incidents.length,
      pages: report.pages.length,
      duplicatePages: report.duplicatePages,
      deliveries: report.deliveries,
      failedExecutions: report.failedExecutions,
    });
  }
  return {
    scenario: SCENARIO,
    runs,
    synthMs,
    wallMs: summarize(perRun.map((r) => r.wallMs)),
    eventsPerSecond: summarize(perRun.map((r) => r.deliveries.total / (r.wallMs / 1000))),
    perRun,
  };
};
