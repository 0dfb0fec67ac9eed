/**
 * The product's own metrics (names in lib/constructs/incident-metrics-design.ts), in CloudWatch
 * embedded metric format through Powertools Metrics: a line on stdout that CloudWatch Logs turns
 * into metrics, so no PutMetricData call and no IAM for it.
 *
 * - Every metric carries the dimensions Service and Severity, and is also published under Severity
 *   alone, so a dashboard can show all services of a severity in one line. Each incident event is
 *   written as two EMF lines, one per dimension set (Powertools 2.36 warns on every event when two
 *   dimension sets of one line share a key), so two incidents' dimensions never mix.
 * - Counts have unit Count. Timings are in **minutes**, as the design file names them; CloudWatch has
 *   no minutes unit, so they carry unit None.
 * - A resolution emits all three resolver metrics, 1 for the one that applies and 0 for the others:
 *   their Sum counts resolutions by resolver, their Average is the share.
 * - Each event is written at once, so no metric waits on a flush that a timeout or crash could skip;
 *   `flush()` is there for a sink that batches, and is a no-op in both sinks here.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { INCIDENT_METRICS } from '../contract/metrics-design';
import type { Incident } from '../domain/incident';
import { incidentTimings, type ResolvedBy } from '../domain/incident-stats';

/** What the lifecycle reports; EmfIncidentMetrics writes it for CloudWatch, RecordingIncidentMetrics keeps it for the sandbox. */
export interface IncidentMetricsSink {
  incidentOpened(incident: Incident): void;
  /** An alarm was recorded on a suppressed incident (a silence or a maintenance window). */
  incidentSuppressed(incident: Incident): void;
  incidentResolved(incident: Incident): void;
  postMortemReminder(incident: Incident): void;
  /** Writes whatever the sink still holds; call before the handler returns. */
  flush(): void;
}

export type IncidentMetricUnit = 'Count' | 'None';

export interface IncidentMetricPoint {
  readonly name: string;
  readonly value: number;
  readonly unit: IncidentMetricUnit;
  /** `{ Service, Severity }`. */
  readonly dimensions: Readonly<Record<string, string>>;
}

const { names, dimensions: DIM } = INCIDENT_METRICS;

/** Each event is published under both: per service and severity, and per severity alone. */
const DIMENSION_SETS: ReadonlyArray<readonly string[]> = [[DIM.service, DIM.severity], [DIM.severity]];

const RESOLVER_METRICS: Readonly<Record<ResolvedBy, string>> = {
  automation: names.resolvedByAutomation,
  human: names.resolvedByHuman,
  'on-its-own': names.resolvedOnItsOwn,
};

const dimensionsOf = (incident: Incident): Record<string, string> => ({
  [DIM.service]: incident.service,
  [DIM.severity]: incident.severity,
});

const count = (incident: Incident, name: string, value = 1): IncidentMetricPoint => ({
  name,
  value,
  unit: 'Count',
  dimensions: dimensionsOf(incident),
});

const minutes = (incident: Incident, name: string, value: number | undefined): IncidentMetricPoint[] =>
  value === undefined ? [] : [{ name, value, unit: 'None', dimensions: dimensionsOf(incident) }];

/** The metrics of a resolution: the count, the timings the record has, and who resolved it. */
const resolvedPoints = (incident: Incident): IncidentMetricPoint[] => {
  const t = incidentTimings(incident);
  return [
    count(incident, names.resolved),
    ...minutes(incident, names.timeToAcknowledge, t.timeToAcknowledgeMinutes),
    ...minutes(incident, names.timeToMitigate, t.timeToMitigateMinutes),
    ...minutes(incident, names.timeToResolve, t.timeToResolveMinutes),
    ...Object.entries(RESOLVER_METRICS).map(([by, name]) =>
      count(incident, name, t.resolvedBy === by ? 1 : 0),
    ),
  ];
};

/** The points of each event, shared by both sinks so the sandbox sees what CloudWatch would. */
export const incidentMetricPoints = {
  opened: (i: Incident): IncidentMetricPoint[] => [count(i, names.opened)],
  suppressed: (i: Incident): IncidentMetricPoint[] => [count(i, names.suppressed)],
  resolved: resolvedPoints,
  postMortemReminder: (i: Incident): IncidentMetricPoint[] => [count(i, names.postMortemReminders)],
} as const;

/** Hands each event's points to `write` as the event is reported. */
abstract class EventSink implements IncidentMetricsSink {
  incidentOpened(incident: Incident): void {
    this.write(incidentMetricPoints.opened(incident));
  }

  incidentSuppressed(incident: Incident): void {
    this.write(incidentMetricPoints.suppressed(incident));
  }

  incidentResolved(incident: Incident): void {
    this.write(incidentMetricPoints.resolved(incident));
  }

  postMortemReminder(incident: Incident): void {
    this.write(incidentMetricPoints.postMortemReminder(incident));
  }

  /** Nothing is held back: every event was written when it was reported. */
  flush(): void {}

  /** Writes the points of one event (all with the same dimensions). */
  protected abstract write(points: readonly IncidentMetricPoint[]): void;
}

export interface EmfIncidentMetricsOptions {
  /** @default INCIDENT_METRICS.namespace */
  readonly namespace?: string;
}

/** Writes incident metrics to stdout in EMF, two lines per event (one per dimension set). */
export class EmfIncidentMetrics extends EventSink {
  private readonly metrics: Metrics;

  constructor(options: EmfIncidentMetricsOptions = {}) {
    super();
    this.metrics = new Metrics({ namespace: options.namespace ?? INCIDENT_METRICS.namespace });
    // Powertools adds a `service` dimension by default; these metrics have exactly the design's dimensions.
    this.metrics.clearDefaultDimensions();
  }

  protected write(points: readonly IncidentMetricPoint[]): void {
    const dimensions = points[0]?.dimensions;
    if (!dimensions) return;
    for (const set of DIMENSION_SETS) {
      for (const name of set) this.metrics.addDimension(name, dimensions[name] ?? '');
      for (const p of points) {
        this.metrics.addMetric(p.name, p.unit === 'Count' ? MetricUnit.Count : MetricUnit.NoUnit, p.value);
      }
      this.metrics.publishStoredMetrics();
    }
  }
}

/** Keeps the points in memory: the sandbox's stand-in for CloudWatch. */
export class RecordingIncidentMetrics extends EventSink {
  /** Every point reported so far, oldest first. */
  readonly records: IncidentMetricPoint[] = [];

  protected write(points: readonly IncidentMetricPoint[]): void {
    this.records.push(...points);
  }
}
