/**
 * (e) bad-deploy: from the alarm firing to the rollback starting, in SIMULATED time (the record's
 * clock), and the sandbox wall time it took. Goal: under 60 s after the alarm fires. Diagnostics run
 * their sources in parallel; Logs Insights polling is what takes simulated time.
 */
import { runDrill } from '../sandbox/drill';
import { SCENARIOS } from '../sandbox/scenarios';
import { type Summary, summarize, timed } from './stats';

export interface RollbackResult {
  readonly scenario: string;
  /** Alarm state change -> `started: roll back ...` on the timeline, simulated seconds. */
  readonly alarmToRollbackSeconds: Summary;
  readonly drillWallMs: Summary;
  readonly rolledBackTo: string;
}

export const measureRollback = async (runs: number): Promise<RollbackResult> => {
  const scenario = SCENARIOS['bad-deploy'];
  if (!scenario) throw new Error('no bad-deploy scenario');
  const seconds: number[] = [];
  const wall: number[] = [];
  let rolledBackTo = '';
  for (let i = 0; i < runs; i++) {
    const { ms, value: report } = await timed(() =>
      runDrill(scenario, { start: new Date('2026-11-23T10:00:00.000Z') }),
    );
    const incident = report.incidents[0];
    const started = incident?.timeline.find((e) => e.summary.startsWith('started: roll back'));
    if (!incident || !started)
      throw new Error('bad-deploy did not start a rollback: the automation is broken');
    seconds.push((Date.parse(started.at) - Date.parse(incident.lastAlarmAt)) / 1000);
    wall.push(ms);
    rolledBackTo = report.ecsCalls[0]?.detail ?? '';
  }
  return {
    scenario: scenario.name,
    alarmToRollbackSeconds: summarize(seconds),
    drillWallMs: summarize(wall),
    rolledBackTo,
  };
};
