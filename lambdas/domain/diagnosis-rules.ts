/**
 * What the diagnosis judges by: the thresholds, and the patterns by which ECS and the logs report a
 * failure. Each states the rule it follows, so a threshold is tuned here and nowhere else.
 */

/** The numbers the diagnosis judges by. */
export const LIMITS = {
  /** An error rate above 5 % is a high error rate. */
  errorRatePercent: 5,
  /** A p95 latency above 500 ms is high latency (P2 by the default severity rules). */
  p95LatencyMs: 500,
  /** CPU above 85 % is high. */
  cpuPercent: 85,
  /** Memory above 80 % is high. */
  memoryPercent: 80,
  /** Requests at this multiple of the window's baseline (median of its first half) mean "under load". */
  loadFactor: 1.5,
  /** A memory climb spans at least this many datapoints... */
  climbMinPoints: 4,
  /** ...rises at least this many percentage points from first to last... */
  climbMinRise: 20,
  /** ...goes up on at least this share of its steps... */
  climbRisingShare: 0.75,
  /** ...and never drops by more than this many points in one step; a bigger drop starts a new climb. */
  climbMaxDip: 2,
  /** Scale-out asks for this multiple of the desired count (and at least one more task). */
  scaleFactor: 1.5,
} as const;

/** How ECS reports a task that failed: a service down, or tasks in a crash loop. */
export const FAILED_TASK_REASON =
  /Essential container in task exited|CannotPullContainerError|CannotStartContainerError|ResourceInitializationError|OutOfMemoryError|health ?checks?/i;

export const FAILED_STOP_CODES = new Set(['TaskFailedToStart', 'EssentialContainerExited']);
/** ECS stopped these on purpose (scale-in, a deployment, a person): an exit code there is SIGTERM, not a crash. */
export const ORDERLY_STOP_CODES = new Set([
  'UserInitiated',
  'ServiceSchedulerInitiated',
  'SpotInterruption',
  'TerminationNotice',
]);

export const FAILING_SERVICE_EVENT =
  /unable to consistently start tasks|failed (container|ELB) health checks|is unhealthy|Essential container in task exited|CannotPullContainerError/i;

const DATASTORE = String.raw`\b(db|database|postgres\w*|mysql|mariadb|aurora|rds|redis|elasticache|memcached?|dynamodb|mongo\w*|cassandra|kafka)\b`;
/**
 * Log messages that point at a failing dependency, each with its sign: database errors (the connection
 * pool first), connections refused or timing out, a failing external API or upstream.
 */
export const DEPENDENCY_SIGNS: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /connection pool|pool (is )?exhausted|ResourceRequest timed out|pool size \d+/i,
    'connection pool exhausted',
  ],
  [/too many (connections|clients)/i, 'too many connections'],
  [
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|connection refused|could not connect to/i,
    'connection failures',
  ],
  [
    new RegExp(`(timed? ?out|timeout).*${DATASTORE}|${DATASTORE}.*(timed? ?out|timeout)`, 'i'),
    'timeouts to a datastore',
  ],
  [
    /\b(upstream|dependency)\b.*\b5\d\d\b|\b5\d\d\b.*\b(from|upstream)\b|bad gateway|gateway time-?out/i,
    '5xx from an upstream',
  ],
  [/circuit breaker.*\bopen/i, 'circuit breaker open'],
];
