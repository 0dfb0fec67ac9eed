/**
 * What every lifecycle step works with: the ports and the config it reads (LifecycleDeps), the
 * incident loaded by id, and the answer a step gives the workflow (StepResult). Steps change the
 * record only through versioned updates (IncidentService.update), as the workflow's actor.
 */
import type { IncidentMetricsSink } from '../../adapters/incident-metrics';
import type { IncidentStore } from '../../adapters/incident-store';
import type { Pager } from '../../adapters/pager';
import type { ReportWriter } from '../../adapters/report-store';
import type { WorkflowCallbacks } from '../../adapters/workflow-callbacks';
import type { WorkflowStarter } from '../../adapters/workflow-starter';
import type { DeploymentConfig } from '../../contract/config-schema';
import type { TicketsConfig } from '../../contract/config-schema-integrations';
import type { OncallOverride } from '../../contract/config-schema-oncall';
import { IncidentNotFoundError } from '../../domain/errors';
import type { Actor, Incident, Suppression } from '../../domain/incident';
import type { Severity } from '../../domain/severity';
import type { TicketAdapter } from '../../domain/tickets';
import type { WebhookDelivery, WebhookSubscription } from '../../domain/webhooks';
import type { IncidentService } from '../incident-service';
import type { StatusPagePorts } from './status-page';

export type LifecycleConfig = Pick<
  DeploymentConfig,
  'escalation' | 'statusUpdateMinutes' | 'postMortem' | 'contacts' | 'reopenWindowMinutes' | 'oncall'
>;

/** Reads the on-call overrides in force (the override store in adapters/oncall-overrides.ts). */
export interface OverrideReader {
  /** Every override of `schedules` that ends after `after`, deleted ones left out. */
  overridesInForce(schedules: readonly string[], after: Date): Promise<OncallOverride[]>;
}

/** The ticket system (issue 15), as the steps that open and update the incident's ticket use it. */
export interface TicketPorts {
  readonly config: TicketsConfig;
  /** The provider's adapter, with its token read from Secrets Manager (cached by the caller). */
  readonly adapter: () => Promise<TicketAdapter>;
  /** Waits between ensureTicket's attempts. */
  readonly sleep: (ms: number) => Promise<void>;
  /** How long a step gives the ticket API, all retries included, before it goes on without. @default 8000 ms */
  readonly deadlineMs?: number;
}

/** Where webhook deliveries are queued (issue 15): the SQS queue the delivery function reads. */
export interface WebhookQueue {
  enqueue(delivery: WebhookDelivery): Promise<void>;
}

/** The outbound webhooks (issue 15), as the steps that queue their events use them. */
export interface WebhookPorts {
  readonly webhooks: readonly WebhookSubscription[];
  readonly queue: WebhookQueue;
}

export interface LifecycleDeps {
  readonly incidents: IncidentService;
  readonly store: IncidentStore;
  readonly pager: Pager;
  readonly callbacks: WorkflowCallbacks;
  readonly config: LifecycleConfig;
  readonly clock: () => Date;
  /** The on-call overrides, read each time a tier with a schedule is paged. @default none */
  readonly overrides?: OverrideReader;
  /** Starts the escalation policy's own workflow for an announced incident. */
  readonly escalations: WorkflowStarter;
  /** Starts the post-mortem reminders' own workflow for a resolved incident that owes one. @default no reminders */
  readonly postMortems?: WorkflowStarter;
  /** Where incident reports are written. @default none are written */
  readonly reports?: ReportWriter;
  /**
   * The product's own metrics (MTTA, MTTR, ...). Incidents that began under a silence are counted as
   * suppressed (by the intake) and left out here, as `incident stats` leaves them out. @default none
   */
  readonly metrics?: IncidentMetricsSink;
  /** The silence covering a service now, re-checked when a suppression ends. @default none */
  readonly suppressionFor?: (service: string, at: Date) => Promise<Suppression | undefined>;
  /** The incident tickets, when the config has `tickets`. @default no tickets */
  readonly tickets?: TicketPorts;
  /** The outbound webhooks, when the config has `webhooks`. @default none */
  readonly webhooks?: WebhookPorts;
  /** The public status page, when the config has `statusPage`. @default no status page */
  readonly statusPage?: StatusPagePorts;
  /** Where pages' one-click links point, and how they are signed. @default no links (the CLI still works) */
  readonly links?: {
    readonly baseUrl: string;
    readonly secret: () => Promise<string>;
    readonly ttlMinutes: number;
    /** A fresh unique id per link (its single-use key). */
    readonly newId: () => string;
  };
}

/** Who the lifecycle steps' timeline entries are by. */
export const WORKFLOW: Actor = { type: 'automation', name: 'workflow' };

/** The incident as stored; a step about an incident that does not exist fails. */
export const load = async (deps: LifecycleDeps, id: string): Promise<Incident> => {
  const incident = await deps.store.getIncident(id);
  if (!incident) throw new IncidentNotFoundError(`no incident ${id}`);
  return incident;
};

export interface StepResult {
  readonly incidentId: string;
  readonly status: string;
  readonly severity: Severity;
}

export const result = (incident: Incident): StepResult => ({
  incidentId: incident.id,
  status: incident.status,
  severity: incident.severity,
});
