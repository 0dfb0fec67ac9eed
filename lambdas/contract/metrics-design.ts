/**
 * The product's own CloudWatch metrics, named in one place: the lifecycle function emits them in
 * embedded metric format (lambdas/adapters/incident-metrics.ts) and the dashboard construct reads them.
 */
export const INCIDENT_METRICS = {
  namespace: 'IncidentResponse',
  /** Dimensions of every incident metric; each metric is also emitted with Severity alone. */
  dimensions: { service: 'Service', severity: 'Severity' },
  names: {
    /** Count, when an incident is opened (not when suppressed by a silence). */
    opened: 'IncidentsOpened',
    /** Count, when an incident is resolved. */
    resolved: 'IncidentsResolved',
    /** Minutes from detection to the first acknowledgement. */
    timeToAcknowledge: 'TimeToAcknowledge',
    /** Minutes from detection to resolution. */
    timeToResolve: 'TimeToResolve',
    /** Minutes from detection to the first mitigation applied (automatic or by a person). */
    timeToMitigate: 'TimeToMitigate',
    /** Count of resolutions by who resolved it: automation acted, a person acted, or it recovered alone. */
    resolvedByAutomation: 'ResolvedByAutomation',
    resolvedByHuman: 'ResolvedByHuman',
    resolvedOnItsOwn: 'ResolvedOnItsOwn',
    /** Count of alarms recorded on a suppressed incident (silence or maintenance window). */
    suppressed: 'IncidentsSuppressed',
    /** Count of post-mortem reminders sent, and of post-mortems done. */
    postMortemReminders: 'PostMortemReminders',
  },
} as const;

/** The incidents dashboard's name: the construct names it so, and the incident page links to it. */
export const dashboardNameFor = (stackName: string): string => `${stackName}-incidents`;

/** The incidents dashboard in the CloudWatch console of `region`. */
export const dashboardConsoleUrl = (dashboardName: string, region: string): string =>
  `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboardName}`;
