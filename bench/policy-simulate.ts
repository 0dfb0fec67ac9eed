/**
 * (g) `incident policy simulate` over the generated 10,000-change history (test/support/flapping-
 * history.ts) with the example config and that history's maintenance windows: the simulation alone
 * (routing decided beforehand), and the whole path the command takes after reading the file (parse the
 * describe-alarm-history JSON, route each alarm, simulate). In-process, no I/O.
 */
import { parseAlarmHistory } from '../cli/alarm-history';
import { alarmIndex } from '../lambdas/contract/alarm-index';
import { type HistoryChange, SIMULATION_TAGS, simulatePolicy } from '../lambdas/domain/policy-simulation';
import { type RouteDecision, routeWithTags } from '../lambdas/domain/routing';
import { UNMAPPED_SERVICE } from '../lambdas/services/intake';
import { loadConfig } from '../lib/config/load';
import { FLAPPING_WINDOWS, flappingHistory, flappingHistoryJson } from '../test/support/flapping-history';
import { type Summary, summarize, timed } from './stats';

export interface PolicySimulateResult {
  readonly stateChanges: number;
  readonly historyBytes: number;
  /** What the run simulated: pages and incidents opened (the same in every run). */
  readonly pages: number;
  readonly opened: number;
  /** simulatePolicy alone, wall ms. */
  readonly simulateMs: Summary;
  /** Parse the JSON + route every alarm + simulate, wall ms. */
  readonly parseRouteSimulateMs: Summary;
}

const CONFIG = new URL('../config/example.json', import.meta.url).pathname;

export const measurePolicySimulate = async (runs: number): Promise<PolicySimulateResult> => {
  const config = { ...loadConfig(CONFIG), maintenanceWindows: FLAPPING_WINDOWS };
  const watched = alarmIndex(config);
  const route = async (changes: readonly HistoryChange[]) => {
    const routes = new Map<string, RouteDecision>();
    for (const alarmName of new Set(changes.map((c) => c.alarmName))) {
      const alarm = { alarmName, metrics: [], dimensions: {} };
      routes.set(alarmName, await routeWithTags(config, watched, alarm, () => SIMULATION_TAGS));
    }
    return routes;
  };
  const changes = flappingHistory();
  const routes = await route(changes);
  const text = flappingHistoryJson(changes);
  const simulate = (history: readonly HistoryChange[], decisions: ReadonlyMap<string, RouteDecision>) =>
    simulatePolicy({ changes: history, config, routes: decisions, unmappedService: UNMAPPED_SERVICE });

  // One warm-up of each, so the JIT and the first-call costs are not in the first sample.
  const warm = simulate(changes, routes);
  simulate(parseAlarmHistory(text, 'bench').changes, routes);
  const simulateMs: number[] = [];
  const fullMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    simulateMs.push((await timed(async () => simulate(changes, routes))).ms);
    fullMs.push(
      (
        await timed(async () => {
          const parsed = parseAlarmHistory(text, 'bench').changes;
          return simulate(parsed, await route(parsed));
        })
      ).ms,
    );
  }
  return {
    stateChanges: changes.length,
    historyBytes: Buffer.byteLength(text),
    pages: warm.totals.pagesTotal,
    opened: warm.totals.opened,
    simulateMs: summarize(simulateMs),
    parseRouteSimulateMs: summarize(fullMs),
  };
};
