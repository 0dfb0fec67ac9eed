/**
 * What the incident page shows beside the record (web/incident-page-html.ts renders it): who is on
 * call for the incident's tiers now, the response targets, and the links. The responder endpoint adds
 * the buttons, signed on each render.
 */
import type { DeploymentConfig } from '../contract/config-schema';
import { dashboardConsoleUrl, dashboardNameFor } from '../contract/metrics-design';
import { firstTiers } from '../domain/escalation';
import type { Incident } from '../domain/incident';
import { addressName } from '../domain/paging-targets';
import type { IncidentPageView } from '../web/incident-page-html';
import type { LifecycleDeps } from './lifecycle/deps';
import { resolvePage } from './lifecycle/paging';

/** The part of the page's view that comes from the config and the rotation, not from the link. */
export type IncidentPageFacts = Pick<IncidentPageView, 'onCall' | 'responseMinutes' | 'links'>;

/**
 * The facts for `incident` at `now`: the people (or tiers) a page to the tiers paged so far would
 * reach now, overrides included (the policy's first tiers while nobody has been paged), the severity
 * targets of the config, the runbook and report links of the record, and the stack's incidents
 * dashboard in `region` (the config names no dashboard per service).
 */
export const incidentPageFacts = async (
  deps: LifecycleDeps,
  config: Pick<DeploymentConfig, 'escalation' | 'responseMinutes' | 'stackName'>,
  incident: Incident,
  now: Date,
  region?: string,
): Promise<IncidentPageFacts> => {
  const tiers =
    incident.pagedTiers.length > 0 ? incident.pagedTiers : firstTiers(config.escalation, incident.severity);
  const { targets } = await resolvePage(deps, tiers, incident.severity, now);
  return {
    onCall: [...new Set(targets.map((t) => addressName(t.address)))],
    responseMinutes: config.responseMinutes,
    links: {
      ...(incident.runbookUrl ? { runbook: incident.runbookUrl } : {}),
      ...(region ? { dashboard: dashboardConsoleUrl(dashboardNameFor(config.stackName), region) } : {}),
      ...(incident.report?.url ? { report: incident.report.url } : {}),
    },
  };
};
