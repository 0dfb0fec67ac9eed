/** The metrics of the window around the alarm: their statistics, the memory-climb test and the load factor. */
import { LIMITS } from './diagnosis-rules';
import { fmt, median } from './diagnosis-util';
import type { AlarmMetricSeries, Finding, MetricName, MetricSeries } from './evidence';

export interface Stats {
  readonly first: number;
  readonly latest: number;
  readonly peak: number;
  /** Median of the window's first half: what "normal" looked like before the trouble. */
  readonly baseline: number;
  readonly values: readonly number[];
}

export type MetricStats = Partial<Record<MetricName, Stats>>;
export const statsOf = (series: MetricSeries): Stats | undefined => {
  const values = series.points.map((p) => p.value).filter(Number.isFinite);
  const first = values[0];
  const latest = values[values.length - 1];
  if (first === undefined || latest === undefined) return undefined;
  const baseline = median(values.slice(0, Math.max(1, Math.floor(values.length / 2))));
  return { first, latest, peak: Math.max(...values), baseline, values };
};

export const metricStats = (series: readonly MetricSeries[]): MetricStats => {
  const stats: MetricStats = {};
  for (const s of series) {
    const st = stats[s.metric] ? undefined : statsOf(s);
    if (st) stats[s.metric] = st;
  }
  return stats;
};

const METRIC_UNITS: Record<MetricName, readonly [label: string, unit: string]> = {
  errorRatePercent: ['error rate', '%'],
  p95LatencyMs: ['p95', ' ms'],
  p99LatencyMs: ['p99', ' ms'],
  requestCount: ['requests', ''],
  cpuPercent: ['CPU', '%'],
  memoryPercent: ['memory', '%'],
};

const amount = (metric: MetricName, v: number): string => `${fmt(v)}${METRIC_UNITS[metric][1]}`;

export const show = (metric: MetricName, v: number): string =>
  `${METRIC_UNITS[metric][0]} ${amount(metric, v)}`;

export const metricsFinding = (stats: MetricStats): Finding => {
  const parts: string[] = [];
  const evidence: Record<string, unknown> = {};
  for (const metric of Object.keys(METRIC_UNITS) as MetricName[]) {
    const s = stats[metric];
    if (!s) continue;
    const extra = metric === 'requestCount' ? ` (baseline ${amount(metric, s.baseline)})` : '';
    const peak = s.peak > s.latest ? ` (peak ${amount(metric, s.peak)})` : '';
    parts.push(`${show(metric, s.latest)}${peak}${extra}`);
    evidence[metric] = { latest: s.latest, peak: s.peak, first: s.first, baseline: s.baseline };
  }
  return {
    source: 'metrics',
    summary: parts.length > 0 ? parts.join(', ') : 'no datapoints in the window',
    evidence,
  };
};

export interface Climb {
  readonly from: number;
  readonly to: number;
  readonly points: number;
}

/**
 * The leak pattern: memory going steadily up to a clearly higher
 * level. Judged over the window's trailing stretch without a real drop (small dips, a GC sawtooth,
 * are part of a climb), from that stretch's last low point: so a leak that began mid-window (flat,
 * then climbing) counts, and so does one resuming after tasks were replaced.
 */
export const climbOf = (s: Stats): Climb | undefined => {
  const v = s.values;
  let low = 0;
  for (let i = 1; i < v.length; i++) {
    const value = v[i] ?? 0;
    if (value < (v[i - 1] ?? 0) - LIMITS.climbMaxDip || value <= (v[low] ?? 0)) low = i;
  }
  const climb = v.slice(low);
  const from = climb[0];
  const to = climb[climb.length - 1];
  if (from === undefined || to === undefined) return undefined;
  if (climb.length < LIMITS.climbMinPoints || to - from < LIMITS.climbMinRise) return undefined;
  let rises = 0;
  for (let i = 1; i < climb.length; i++) if ((climb[i] ?? 0) > (climb[i - 1] ?? 0)) rises++;
  return rises >= LIMITS.climbRisingShare * (climb.length - 1)
    ? { from, to, points: climb.length }
    : undefined;
};

/** How many times the window's baseline the latest request count is; undefined when it cannot be told. */
export const loadFactorOf = (requests: Stats | undefined): number | undefined =>
  requests && requests.values.length >= 2 && requests.baseline > 0
    ? requests.latest / requests.baseline
    : undefined;

const fmtNumber = (n: number): string => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(1));

/** The alarm's own metric, for a service with no ECS part: its peak, latest and mean over the window. */
export const alarmMetricFinding = (series: AlarmMetricSeries): Finding => {
  const dims = Object.entries(series.dimensions)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const label = `${series.namespace} ${series.name}${dims ? ` (${dims})` : ''}`;
  const points = series.points;
  const last = points.at(-1);
  if (!last)
    return {
      source: 'metrics',
      summary: `${label}: no datapoints in the window`,
      evidence: { metric: label },
    };
  const peak = points.reduce((top, p) => (p.max > top.max ? p : top), last);
  const mean = points.reduce((sum, p) => sum + p.avg, 0) / points.length;
  return {
    source: 'metrics',
    summary: `${label}: peak ${fmtNumber(peak.max)} at ${peak.at.slice(11, 16)} UTC, latest ${fmtNumber(last.max)}, mean ${fmtNumber(mean)} over ${points.length} min`,
    evidence: {
      metric: label,
      peak: peak.max,
      peakAt: peak.at,
      latest: last.max,
      mean,
      datapoints: points.length,
    },
  };
};
