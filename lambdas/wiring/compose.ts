/**
 * The one composition root. Every caller of the services (the Lambda entries, the sandbox, the CLI)
 * builds only its ports: the SDK-backed adapters, or the local stand-ins, or the stack's outputs. How
 * the services are put together from them, and which config setting goes where, is decided here and
 * nowhere else.
 */
import { randomUUID } from 'node:crypto';
import type { IncidentStore } from '../adapters/incident-store';
import type { AlarmTarget } from '../contract/alarm-index';
import { alarmIndex } from '../contract/alarm-index';
import type { DeploymentConfig } from '../contract/config-schema';
import type { Incident } from '../domain/incident';
import type { IncidentPageKind } from '../domain/pages';
import type { AutomationDeps } from '../services/automation';
import { incidentPageFacts } from '../services/incident-page';
import { IncidentService } from '../services/incident-service';
import type { IntakeDeps } from '../services/intake';
import type { LifecycleDeps, OverrideReader } from '../services/lifecycle/deps';
import { pageTiers } from '../services/lifecycle/paging';
import { draftWaiting, publishDraft } from '../services/lifecycle/status-page';
import { updateTicket } from '../services/lifecycle/tickets';
import { emitWebhooks } from '../services/lifecycle/webhooks';
import type { ResponderEndpointDeps } from '../services/responder-endpoint';
import type { ResponderDeps } from '../services/responders';
import { type SilenceDeps, suppressionFor } from '../services/silences';

/** What every caller has: the incidents table and a clock. */
export interface CorePorts {
  readonly store: IncidentStore;
  readonly clock: () => Date;
  /** Fresh unique ids (silences, link ids). @default crypto.randomUUID */
  readonly newId?: () => string;
  /** The on-call overrides, read when a tier with a schedule is paged. @default none */
  readonly overrides?: OverrideReader;
  /** The stack's region: the incident page links the incidents dashboard there. @default no dashboard link */
  readonly region?: string;
}

/**
 * What paging and the workflows' callbacks need (lifecycle, responder endpoint, CLI): the lifecycle's
 * own ports, less what compose supplies (the services, the config, the clock, link ids). No
 * postMortems where post-mortem reminders are not started (the responder endpoint); no links where
 * there is nothing to sign them with (the responder endpoint gets them per request origin; the CLI on
 * a stack without the link outputs): such pages name the CLI instead.
 */
export type PagingPorts = Pick<
  LifecycleDeps,
  | 'pager'
  | 'callbacks'
  | 'escalations'
  | 'postMortems'
  | 'reports'
  | 'metrics'
  | 'tickets'
  | 'statusPage'
  | 'webhooks'
> & {
  readonly links?: Omit<NonNullable<LifecycleDeps['links']>, 'newId'>;
  /** Whether a suppression is re-checked against the silences table. @default true */
  readonly checksSuppression?: boolean;
};

/** What the automation function's evidence and actions need. */
export type AutomationPorts = Pick<
  AutomationDeps,
  'ecs' | 'metrics' | 'logs' | 'killSwitch' | 'sourceTimeoutMs' | 'actions'
>;

/** The services, composed once from the ports given; each part asks only for the ports it uses. */
export interface Composed {
  readonly config: DeploymentConfig;
  readonly store: IncidentStore;
  readonly incidents: IncidentService;
  readonly silences: SilenceDeps;
  readonly alarms: () => ReadonlyMap<string, AlarmTarget>;
  readonly intake: (ports: Pick<IntakeDeps, 'callbacks' | 'metrics' | 'alarmTags'>) => IntakeDeps;
  readonly automation: (ports: AutomationPorts) => AutomationDeps;
  readonly lifecycle: (ports: PagingPorts) => LifecycleDeps;
  /** The acknowledge / resolve / approve paths (CLI, responder endpoint), paging through `lifecycle`. */
  readonly responders: (lifecycle: LifecycleDeps) => Required<ResponderDeps>;
  /**
   * The responder endpoint's services per origin it is reached at. Lacking links of its own (a
   * function cannot know its own URL at deploy), `lifecycle` pages with links to that origin, signed
   * with `secret` and valid `linkTtlMinutes`.
   */
  readonly responderEndpoint: (
    lifecycle: LifecycleDeps,
    secret: () => Promise<string>,
    linkTtlMinutes: number,
  ) => (origin: string) => ResponderEndpointDeps;
  /** Pages `tiers` about an incident and records each page. */
  readonly page: (
    lifecycle: LifecycleDeps,
    incidentId: string,
    kind: IncidentPageKind,
    tiers: readonly string[],
    ctx?: Parameters<typeof pageTiers>[4],
  ) => Promise<void>;
}

export const composeDeps = (core: CorePorts, config: DeploymentConfig): Composed => {
  const { store, clock } = core;
  const newId = core.newId ?? (() => randomUUID());
  const incidents = new IncidentService(
    store,
    { dedupFields: config.dedupKey, reopenWindowMinutes: config.reopenWindowMinutes, resolveOnOk: true },
    clock,
  );
  const silences: SilenceDeps = { store, config, clock, newId };
  const suppression = (service: string, at: Date) => suppressionFor(silences, service, at);
  let index: ReadonlyMap<string, AlarmTarget> | undefined;
  const alarms = () => {
    index ??= alarmIndex(config);
    return index;
  };
  const page: Composed['page'] = async (lifecycle, incidentId, kind, tiers, ctx) => {
    await pageTiers(lifecycle, incidentId, kind, tiers, ctx);
  };
  const responders = (lifecycle: LifecycleDeps): Required<ResponderDeps> => ({
    incidents,
    callbacks: lifecycle.callbacks,
    announceAcknowledged: (incident: Incident, by: string) =>
      page(lifecycle, incident.id, 'ACKNOWLEDGED', incident.pagedTiers, { by }),
    ticketAcknowledged: (incident: Incident) => updateTicket(lifecycle, incident.id, 'acknowledged'),
    webhookAcknowledged: (incident: Incident) =>
      emitWebhooks(lifecycle, incident.id, 'incident.acknowledged'),
  });
  return {
    config,
    store,
    incidents,
    silences,
    alarms,
    intake: (ports) => ({
      incidents,
      callbacks: ports.callbacks,
      config,
      alarms: alarms(),
      openIncidents: (service) => store.listOpen(service),
      suppressionFor: suppression,
      ...(ports.metrics ? { metrics: ports.metrics } : {}),
      ...(ports.alarmTags ? { alarmTags: ports.alarmTags } : {}),
    }),
    automation: (ports) => ({ ...ports, incidents, store, config, alarms: alarms(), clock }),
    lifecycle: ({ links, checksSuppression = true, ...ports }) => ({
      ...ports,
      incidents,
      store,
      config,
      clock,
      ...(checksSuppression ? { suppressionFor: suppression } : {}),
      ...(core.overrides ? { overrides: core.overrides } : {}),
      ...(links ? { links: { ...links, newId } } : {}),
    }),
    responders,
    responderEndpoint: (lifecycle, secret, linkTtlMinutes) => {
      const byOrigin = new Map<string, ResponderEndpointDeps>();
      const endpointFor = (origin: string): ResponderEndpointDeps => {
        const paging: LifecycleDeps = lifecycle.links
          ? lifecycle
          : { ...lifecycle, links: { baseUrl: origin, secret, ttlMinutes: linkTtlMinutes, newId } };
        return {
          ...responders(paging),
          escalation: config.escalation,
          store,
          secret,
          pageEscalation: (incidentId, tiers, why) => page(paging, incidentId, 'ESCALATION', tiers, { why }),
          pageFacts: (incident, now) => incidentPageFacts(paging, config, incident, now, core.region),
          newId,
          ...(paging.statusPage
            ? {
                statusPage: {
                  waiting: (incidentId: string) => draftWaiting(paging, incidentId),
                  publish: (incidentId: string, by: string) =>
                    publishDraft(paging, incidentId, { type: 'human', name: by }),
                },
              }
            : {}),
        };
      };
      return (origin) => {
        let deps = byOrigin.get(origin);
        if (!deps) {
          deps = endpointFor(origin);
          byOrigin.set(origin, deps);
        }
        return deps;
      };
    },
    page,
  };
};
