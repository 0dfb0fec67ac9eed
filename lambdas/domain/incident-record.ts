/**
 * The incident record: what is stored for each incident, and the alarm signal that feeds it. The
 * changes to it are pure functions in incident-changes, incident-signals, post-mortem and suppression.
 */
import type { Diagnosis } from './evidence';
import type { Status } from './lifecycle';
import type { Severity } from './severity';
import type { TicketProvider } from './tickets';
import type { TimelineEntry } from './timeline';

export type AlarmState = 'ALARM' | 'OK';

/** One alarm state change, already validated and mapped to a service. Raw events never get here. */
export interface AlarmSignal {
  readonly alarmName: string;
  readonly state: AlarmState;
  /** When CloudWatch changed the state (not when we received it): the order that counts. */
  readonly at: string;
  readonly reason?: string;
  readonly service: string;
  readonly account?: string;
  readonly region?: string;
  /** The alarm's one metric (none for metric math and composite alarms): diagnosis reads its recent data. */
  readonly metric?: AlarmMetric;
}

export interface AlarmMetric {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

export interface Incident {
  readonly id: string;
  readonly dedupKey: string;
  readonly title: string;
  readonly service: string;
  readonly alarmName: string;
  readonly severity: Severity;
  readonly status: Status;
  /** The latest time the incident entered each status it has been in. */
  readonly statusTimestamps: Readonly<Partial<Record<Status, string>>>;
  readonly acknowledgedBy?: string;
  readonly runbookUrl?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Bumped by the store on every write; a write expecting another version is refused. */
  readonly version: number;
  readonly reopenCount: number;
  /** State-change time of the newest ALARM and OK applied: how late or repeated deliveries are told apart. */
  readonly lastAlarmAt: string;
  readonly lastOkAt?: string;
  /** The opening alarm's metric, when it has exactly one. */
  readonly alarmMetric?: AlarmMetric;
  /** Every tier paged so far: they all hear about acknowledgement and resolution. */
  readonly pagedTiers: readonly string[];
  /** Callback of the workflow step waiting for recovery; the OK that resolves the incident resumes it. */
  readonly recoveryToken?: string;
  /** Callback of the workflow step waiting for a person to approve an automatic action. */
  readonly approvalToken?: string;
  /** The latest automated diagnosis: every page shows its summary. */
  readonly diagnosis?: Diagnosis;
  /** The incident report, once written (at resolution, and again at close). */
  readonly report?: ReportRef;
  /** The post-mortem a resolved incident of a configured severity owes before it can close. */
  readonly postMortem?: PostMortem;
  /** Set while the service is silenced: recorded, nobody paged, no automation, until `until`. */
  readonly suppressed?: Suppression;
  /** The incident's one GitHub or Jira ticket, once a step has claimed its creation (incident-ticket.ts). */
  readonly ticket?: IncidentTicket;
  readonly timeline: readonly TimelineEntry[];
}

/** Where an incident report is stored: `uri` is `s3://bucket/key`, `url` opens it in the console. */
export interface ReportRef {
  readonly uri: string;
  readonly url: string;
  readonly versionId?: string;
  readonly at: string;
}

export interface PostMortem {
  readonly due: string;
  /** The tier reminded until it is done. */
  readonly owner: string;
  readonly remindersSent: number;
  /** The post-mortem document, once done. */
  readonly doc?: string;
  readonly doneAt?: string;
  readonly doneBy?: string;
}

export interface Suppression {
  readonly until: string;
  readonly reason: string;
  /** A silence set with `incident silence`, or a maintenance window in the config. */
  readonly source: 'silence' | 'maintenance-window';
  /** Who set the silence. */
  readonly by?: string;
}

/**
 * The incident's ticket as the record keeps it. A step claims the creation with a versioned write
 * (`claimedAt`) before it calls the ticket API, then records the ticket's `key` and `url`, or why it
 * could not be made (`error`: no further attempt is made for the incident).
 */
export interface IncidentTicket {
  readonly provider: TicketProvider;
  readonly claimedAt: string;
  /** The GitHub issue number or the Jira issue key. */
  readonly key?: string;
  readonly url?: string;
  readonly error?: string;
}
