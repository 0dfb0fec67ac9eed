/**
 * (h) Who is on call: resolving the example's on-call tier (the app schedule: a weekly primary in
 * New York business hours, a daily secondary outside them) once per minute for a week, as paging does
 * per page and the year property test does per minute, and listing the shifts of a whole year, as
 * `incident oncall --from --to` does. In-process, no I/O.
 */
import { shifts } from '../lambdas/domain/oncall';
import { resolveTier } from '../lambdas/domain/paging-targets';
import { loadConfig } from '../lib/config/load';
import { type Summary, summarize, timed } from './stats';

export interface OncallResult {
  readonly resolutions: number;
  /** One week of resolutions at 1-minute steps, wall ms. */
  readonly weekMs: Summary;
  /** Microseconds per resolution, from the median week. */
  readonly perResolutionUs: number;
  /** Shifts over 2026 (the count is the same in every run). */
  readonly yearShifts: number;
  readonly yearShiftsMs: Summary;
}

const CONFIG = new URL('../config/example.json', import.meta.url).pathname;
const MINUTE = 60_000;

export const measureOncall = async (runs: number): Promise<OncallResult> => {
  const config = loadConfig(CONFIG);
  const oncall = config.oncall;
  if (!oncall) throw new Error('the example config has no oncall section');
  // A different week each run, so no run reads only what the one before cached.
  const week = async (run: number) => {
    const from = Date.parse('2026-03-02T05:00:00Z') + run * 7 * 24 * 60 * MINUTE;
    let n = 0;
    for (let t = from; t < from + 7 * 24 * 60 * MINUTE; t += MINUTE, n++)
      resolveTier(config, [], 'on-call', 'P1', new Date(t));
    return n;
  };
  const year = async () =>
    shifts(oncall, [], new Date('2026-01-01T05:00:00Z'), new Date('2027-01-01T05:00:00Z'), { severity: 'P1' })
      .length;
  await week(-1);
  const weekMs: number[] = [];
  const yearMs: number[] = [];
  let resolutions = 0;
  let yearShifts = 0;
  for (let run = 0; run < runs; run++) {
    const w = await timed(() => week(run));
    weekMs.push(w.ms);
    resolutions = w.value;
    const y = await timed(year);
    yearMs.push(y.ms);
    yearShifts = y.value;
  }
  const weekSummary = summarize(weekMs);
  return {
    resolutions,
    weekMs: weekSummary,
    perResolutionUs: (weekSummary.median * 1000) / resolutions,
    yearShifts,
    yearShiftsMs: summarize(yearMs),
  };
};
