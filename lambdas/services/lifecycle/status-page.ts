/**
 * The public status page in the lifecycle (issue 14). Announce drafts the incident's `investigating`
 * post when its severity publishes and a component maps its service; the draft waits on the status
 * page item for one click on the link in the INCIDENT page (`confirmFirstPost`, the default), or is
 * published at once. Awaiting recovery posts `identified` (a cause diagnosed) and `monitoring` (an
 * automatic action mitigated it). Resolve posts `resolved`, which sets the components back to operational, or drops
 * a draft nobody confirmed. Statuses only move forward: the domain (domain/status-page.ts) refuses the
 * rest, and a refusal goes on the timeline.
 *
 * Best effort: a failed read, write or publish goes on the timeline as an error and pages the operator
 * tiers; it never fails the step, so the status page never holds up an incident.
 */
import type { StatusPageRecord, StatusPageRecords } from '../../adapters/status-page-store';
import { type StatusSite, statusSiteFiles } from '../../adapters/status-site';
import type { StatusPageConfig } from '../../contract/config-schema-status-page';
import { ConcurrentUpdateError, IncidentError } from '../../domain/errors';
import { operatorTiers } from '../../domain/escalation';
import type { Incident } from '../../domain/incident';
import {
  applyUpdate,
  draftUpdate,
  PUBLIC_STATUSES,
  type PublicStatus,
  type StatusPageState,
} from '../../domain/status-page';
import { appendEntries } from '../../domain/timeline';
import { type LifecycleDeps, load, WORKFLOW } from './deps';
import { page } from './paging';

/** The status page, when the config has `statusPage`. */
export interface StatusPagePorts {
  readonly config: StatusPageConfig;
  readonly records: StatusPageRecords;
  readonly site: StatusSite;
}

/** A click on a publish link that finds no draft waiting (published already, or the incident resolved). */
export class NothingToPublishError extends IncidentError {}

const STEP = 'status-page';
const TRIES = 5;

/**
 * Reads the item, applies `apply` (undefined: leave it as it is), and writes it back, retrying a lost
 * race. Returns the item as it stands after, and whether this call changed it.
 */
const change = async (
  records: StatusPageRecords,
  now: Date,
  apply: (record: StatusPageRecord) => Omit<StatusPageRecord, 'version'> | undefined,
): Promise<{ readonly record: Omit<StatusPageRecord, 'version'>; readonly changed: boolean }> => {
  for (let attempt = 0; attempt < TRIES; attempt++) {
    const record = await records.get(now);
    const next = apply(record);
    if (next === undefined) return { record, changed: false };
    if (await records.put(record, next)) return { record: next, changed: true };
  }
  throw new ConcurrentUpdateError(`the status page item changed ${TRIES} times while being written`);
};

const note = (deps: LifecycleDeps, incidentId: string, summary: string, by = WORKFLOW) =>
  deps.incidents.update(incidentId, (i, at) =>
    appendEntries(i, at, { kind: 'note', actor: by, summary, details: { step: STEP } }),
  );

/** The failure on the timeline and a page to the operator tiers; neither stops the caller. */
const reportFailure = async (deps: LifecycleDeps, incidentId: string, what: string, error: unknown) => {
  const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  try {
    const failed = await deps.incidents.update(incidentId, (i, at) =>
      appendEntries(i, at, {
        kind: 'error',
        actor: WORKFLOW,
        summary: `status page: ${what} failed (${why})`,
        details: { step: STEP, error: error instanceof Error ? error.name : 'Error' },
      }),
    );
    await page(
      deps,
      failed,
      'ESCALATION',
      operatorTiers(deps.config.escalation, Object.keys(deps.config.contacts)),
      {
        why: `the status page was not updated: ${what} failed (${why})`,
      },
    );
  } catch {
    // The timeline and page() record what they could; the step goes on.
  }
};

const bestEffort = async <T>(
  deps: LifecycleDeps,
  incidentId: string,
  what: string,
  work: () => Promise<T>,
) => {
  try {
    return await work();
  } catch (error) {
    await reportFailure(deps, incidentId, what, error);
    return undefined;
  }
};

/** Writes the site from the state just stored: index.html, status.json, history.atom. */
const publishSite = (ports: StatusPagePorts, state: StatusPageRecord['state']) =>
  ports.site.write(statusSiteFiles(state, ports.config));

/**
 * Announce's part: drafts the first post of `incident` (investigating) and keeps it on the status page
 * item. True when it waits for a person's click, so the INCIDENT page carries the publish link; false
 * when there is nothing to post (a P3, an unmapped service, posted already) or it publishes at once
 * (then {@link publishUnconfirmed} follows the pages).
 */
export const draftFirstPost = async (deps: LifecycleDeps, incident: Incident): Promise<boolean> => {
  const ports = deps.statusPage;
  if (ports === undefined) return false;
  const drafted = await bestEffort(deps, incident.id, 'drafting the first post', () =>
    change(ports.records, deps.clock(), (record) => {
      if (record.pending[incident.id] || record.state.incidents.some((i) => i.id === incident.id))
        return undefined;
      const draft = draftUpdate(record.state, ports.config, {
        incidentId: incident.id,
        severity: incident.severity,
        service: incident.service,
        status: 'investigating',
      });
      return draft.ok
        ? { state: record.state, pending: { ...record.pending, [incident.id]: draft.value } }
        : undefined;
    }),
  );
  if (!drafted?.record.pending[incident.id]) return false;
  if (drafted.changed) {
    await note(
      deps,
      incident.id,
      ports.config.confirmFirstPost
        ? 'status page: the first post (investigating) waits for one click on the link in the INCIDENT page'
        : 'status page: the first post (investigating) is published at once (confirmFirstPost is false)',
    );
  }
  return ports.config.confirmFirstPost;
};

/**
 * Publishes the draft waiting for `incidentId` as `by` (a person's click, or the workflow when no
 * confirmation is wanted). Throws NothingToPublishError when no draft waits; a failure to write the
 * site goes on the timeline and to the operators (the post is kept on the item: the next publish
 * writes it).
 */
export const publishDraft = async (deps: LifecycleDeps, incidentId: string, by = WORKFLOW): Promise<void> => {
  const ports = deps.statusPage;
  if (ports === undefined) throw new NothingToPublishError('the config has no statusPage');
  // Confirmed late (after the diagnosis or a mitigation), the first post catches up at once: customers
  // hear investigating, then what is already known, rather than investigating until the resolution.
  const incident = await load(deps, incidentId);
  let refused: string | undefined;
  let posted: PublicStatus[] = [];
  const now = deps.clock();
  const { record, changed } = await change(ports.records, now, (current) => {
    const draft = current.pending[incidentId];
    if (!draft) return undefined;
    const { [incidentId]: _published, ...pending } = current.pending;
    const applied = applyUpdate(current.state, draft, now);
    refused = applied.ok ? undefined : applied.reason;
    if (!applied.ok) return { state: current.state, pending };
    const advanced = advance(applied.value, ports.config, incident, progressOf(incident), now);
    posted = ['investigating', ...advanced.posted];
    return { state: advanced.state, pending };
  });
  if (!changed) throw new NothingToPublishError(`no status page post of ${incidentId} waits to be published`);
  if (refused) {
    await note(deps, incidentId, `status page: the first post was not published: ${refused}`, by);
    return;
  }
  await note(deps, incidentId, `status page: posted ${posted.join(', then ')}`, by);
  await bestEffort(deps, incidentId, 'writing the site', () => publishSite(ports, record.state));
};

/**
 * Announce's last part when the config wants no confirmation: publishes the draft at once. Nothing
 * when none was drafted (a P3, an unmapped service); any failure goes on the timeline.
 */
export const publishUnconfirmed = async (deps: LifecycleDeps, incidentId: string): Promise<void> => {
  if (deps.statusPage === undefined || deps.statusPage.config.confirmFirstPost) return;
  await bestEffort(deps, incidentId, 'publishing the first post', async () => {
    try {
      await publishDraft(deps, incidentId);
    } catch (error) {
      if (!(error instanceof NothingToPublishError)) throw error;
    }
  });
};

/**
 * Whether a first post of `incidentId` waits for a click (the incident page shows the button then).
 * False when the item cannot be read: the page goes without the button rather than not at all.
 */
export const draftWaiting = async (deps: LifecycleDeps, incidentId: string): Promise<boolean> => {
  if (deps.statusPage === undefined) return false;
  try {
    return (await deps.statusPage.records.get(deps.clock())).pending[incidentId] !== undefined;
  } catch {
    return false;
  }
};

/**
 * Resolve's part: posts `resolved` (components back to operational) for an incident on the page, or
 * drops its draft when nobody confirmed it. A second run for the same resolution changes nothing.
 */
export const postResolution = async (deps: LifecycleDeps, incidentId: string): Promise<void> => {
  const ports = deps.statusPage;
  if (ports === undefined) return;
  const incident = await load(deps, incidentId);
  let outcome: string | undefined;
  let posted = false;
  const after = await bestEffort(deps, incidentId, 'posting the resolution', () =>
    change(ports.records, deps.clock(), (record) => {
      posted = false;
      if (record.pending[incidentId]) {
        const { [incidentId]: _dropped, ...pending } = record.pending;
        outcome = 'status page: the first post was never confirmed and is dropped (resolved first)';
        return { state: record.state, pending };
      }
      const onPage = record.state.incidents.find((i) => i.id === incidentId);
      if (!onPage || onPage.status === 'resolved') return undefined;
      const draft = draftUpdate(record.state, ports.config, {
        incidentId,
        severity: incident.severity,
        service: incident.service,
        status: 'resolved',
      });
      const applied = draft.ok ? applyUpdate(record.state, draft.value, deps.clock()) : draft;
      if (!applied.ok) {
        outcome = `status page: resolved not posted: ${applied.reason}`;
        return undefined;
      }
      outcome = 'status page: posted resolved; its components are operational again';
      posted = true;
      return { state: applied.value, pending: record.pending };
    }),
  );
  if (outcome) await note(deps, incidentId, outcome);
  if (after && posted)
    await bestEffort(deps, incidentId, 'writing the site', () => publishSite(ports, after.record.state));
};

/**
 * The statuses `incident` has earned past investigating: `identified` once the diagnosis names a
 * cause, then `monitoring` once an automatic action mitigated it (the incident went through MITIGATING).
 */
const progressOf = (incident: Incident): PublicStatus[] => [
  ...(incident.diagnosis && incident.diagnosis.suspectedCause !== 'unknown' ? (['identified'] as const) : []),
  ...(incident.statusTimestamps.MITIGATING ? (['monitoring'] as const) : []),
];

/**
 * Moves `incident` on `state` forward to each of `wanted` it has not reached yet, in order; a status
 * reached already, or one the domain refuses, is skipped. Returns the state and what was posted.
 */
const advance = (
  state: StatusPageState,
  config: StatusPageConfig,
  incident: Incident,
  wanted: readonly PublicStatus[],
  now: Date,
): { state: StatusPageState; posted: PublicStatus[] } => {
  const posted: PublicStatus[] = [];
  for (const status of wanted) {
    const onPage = state.incidents.find((i) => i.id === incident.id);
    if (!onPage || PUBLIC_STATUSES.indexOf(onPage.status) >= PUBLIC_STATUSES.indexOf(status)) continue;
    const draft = draftUpdate(state, config, {
      incidentId: incident.id,
      severity: incident.severity,
      service: incident.service,
      status,
    });
    const applied = draft.ok ? applyUpdate(state, draft.value, now) : draft;
    if (!applied.ok) continue;
    state = applied.value;
    posted.push(status);
  }
  return { state, posted };
};

/**
 * What customers hear between the first post and the resolution, posted when recovery is awaited
 * (progressOf). Only for an incident already on the page, only forward, each once: a status already
 * reached is left alone, so a second run changes nothing.
 */
export const postProgress = async (deps: LifecycleDeps, incidentId: string): Promise<void> => {
  const ports = deps.statusPage;
  if (ports === undefined) return;
  const incident = await load(deps, incidentId);
  const wanted = progressOf(incident);
  if (wanted.length === 0) return;
  let posted: PublicStatus[] = [];
  const after = await bestEffort(deps, incidentId, 'posting the progress', () =>
    change(ports.records, deps.clock(), (record) => {
      const advanced = advance(record.state, ports.config, incident, wanted, deps.clock());
      posted = advanced.posted;
      return posted.length > 0 ? { state: advanced.state, pending: record.pending } : undefined;
    }),
  );
  if (!after?.changed) return;
  await note(deps, incidentId, `status page: posted ${posted.join(', then ')}`);
  await bestEffort(deps, incidentId, 'writing the site', () => publishSite(ports, after.record.state));
};
