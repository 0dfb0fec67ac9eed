/**
 * Reads the functions' captured console output back as CloudWatch would: EMF blobs become metric
 * points. Only the blobs with the design's full dimension set count, since every event is published
 * once per dimension set and CloudWatch would show each set as its own metric.
 */
import type { IncidentMetricPoint, IncidentMetricUnit } from '../lambdas/adapters/incident-metrics';
import { INCIDENT_METRICS } from '../lambdas/contract/metrics-design';
import type { FunctionLog } from './lambda-runtime';

interface EmfBlob {
  readonly _aws?: {
    readonly CloudWatchMetrics?: ReadonlyArray<{
      readonly Namespace?: string;
      readonly Dimensions?: ReadonlyArray<readonly string[]>;
      readonly Metrics?: ReadonlyArray<{ readonly Name: string; readonly Unit?: string }>;
    }>;
  };
  readonly [key: string]: unknown;
}

const FULL_SET = [INCIDENT_METRICS.dimensions.service, INCIDENT_METRICS.dimensions.severity];

const parse = (text: string): EmfBlob | undefined => {
  if (!text.includes('"_aws"')) return undefined;
  try {
    return JSON.parse(text) as EmfBlob;
  } catch {
    return undefined;
  }
};

export const metricsFromLogs = (logs: readonly FunctionLog[]): IncidentMetricPoint[] =>
  logs.flatMap((log) => {
    const blob = parse(log.text);
    const directive = blob?._aws?.CloudWatchMetrics?.[0];
    if (!blob || !directive || directive.Namespace !== INCIDENT_METRICS.namespace) return [];
    const set = directive.Dimensions?.[0] ?? [];
    if (set.length !== FULL_SET.length || !FULL_SET.every((d) => set.includes(d))) return [];
    const dimensions = Object.fromEntries(FULL_SET.map((d) => [d, String(blob[d] ?? '')]));
    return (directive.Metrics ?? []).map((m) => ({
      name: m.Name,
      value: Number(blob[m.Name]),
      unit: (m.Unit === 'Count' ? 'Count' : 'None') as IncidentMetricUnit,
      dimensions,
    }));
  });
