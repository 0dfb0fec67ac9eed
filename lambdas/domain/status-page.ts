/**
 * The public status page as a model: what customers were told about each incident, and the status of
 * each component, with the rules that keep it honest. Statuses only move forward (investigating,
 * identified, monitoring, resolved); resolving sets the incident's components back to operational
 * unless another open public incident still affects them; a P3 or P4 is never posted.
 *
 * Pure: no SDK, no env, no clock (every change takes `now`). The renderers read only the state and
 * the config, not the clock, so republishing an unchanged page writes the same bytes.
 *
 * Status names are Atlassian Statuspage's, so that moving to it later is a mapping: component statuses
 * and incident impacts as in its public v2 API, https://confluence.status.atlassian.com/api (summary.json)
 * and the documented schema of a Statuspage-hosted page's summary,
 * https://www.mongodb.com/docs/api/doc/cloud-status/operation/operation-getstatussummary.
 */
import { createHash } from 'node:crypto';
import type { StatusComponent, StatusPageConfig } from '../contract/config-schema-status-page';
import { escapeHtml } from '../web/responder-html';
import type { Severity } from './severity';

export const PUBLIC_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type PublicStatus = (typeof PUBLIC_STATUSES)[number];

/** Statuspage's component statuses, least to most severe. */
export const COMPONENT_STATUSES = [
  'operational',
  'under_maintenance',
  'degraded_performance',
  'partial_outage',
  'major_outage',
] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];

/** Statuspage's incident impacts and page indicators, least to most severe. */
export const PUBLIC_IMPACTS = ['none', 'minor', 'major', 'critical'] as const;
export type PublicImpact = (typeof PUBLIC_IMPACTS)[number];

/** The only severities whose incidents are ever posted (the config may narrow them to P1). */
export const PUBLISHABLE_SEVERITIES = ['P1', 'P2'] as const satisfies readonly Severity[];

export const TEMPLATE_PLACEHOLDERS = ['component', 'service'] as const;

/** How many resolved incidents the feed and the page list. */
export const HISTORY_LENGTH = 25;

export interface PublicUpdate {
  readonly status: PublicStatus;
  readonly body: string;
  readonly at: string;
}

/** A component status chosen for an incident, and why (the default follows the severity). */
export interface ComponentPick {
  readonly status: ComponentStatus;
  readonly reason: string;
}

/** One incident as the public knows it. `updates` are oldest first. */
export interface PublicIncident {
  readonly id: string;
  readonly name: string;
  readonly severity: Severity;
  /** Names of the components it affects (config components). */
  readonly components: readonly string[];
  readonly status: PublicStatus;
  readonly componentStatus: ComponentPick;
  /** The worst impact it reached, so the history reads true after recovery. */
  readonly impact: PublicImpact;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly updates: readonly PublicUpdate[];
}

export interface ComponentState {
  readonly status: ComponentStatus;
  readonly updatedAt: string;
}

export interface StatusPageState {
  /** When the page started: the `updated_at` of a component nothing has touched. */
  readonly since: string;
  readonly incidents: readonly PublicIncident[];
  /** Components an incident has touched, by name; any other is operational since `since`. */
  readonly components: Readonly<Record<string, ComponentState>>;
}

/** One public post about one incident, ready to apply (draftUpdate writes it from the config). */
export interface StatusUpdate {
  readonly incidentId: string;
  readonly name: string;
  readonly severity: Severity;
  readonly components: readonly string[];
  readonly status: PublicStatus;
  readonly body: string;
  /** @default the severity's: P1 major_outage, P2 partial_outage, lower degraded_performance */
  readonly componentStatus?: ComponentPick;
}

export type StatusPageResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

const refuse = (reason: string): { readonly ok: false; readonly reason: string } => ({ ok: false, reason });
/** The latest of `values` in `order` (least to most severe), or `floor` when there are none. */
const worst = <T>(order: readonly T[], floor: T, values: readonly T[]): T =>
  values.reduce((w, v) => (order.indexOf(v) > order.indexOf(w) ? v : w), floor);
const isOpen = (i: PublicIncident): boolean => i.status !== 'resolved';

/** A page with no incident yet, every component operational since `now`. */
export const emptyStatusPage = (now: Date): StatusPageState => ({
  since: now.toISOString(),
  incidents: [],
  components: {},
});

/** The component's id on the page: its name in lower case, runs of anything else a single hyphen. */
export const componentId = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** The component status an incident sets when nobody picks one, with the reason recorded beside it. */
export const defaultComponentStatus = (severity: Severity): ComponentPick => {
  if (severity === 'P1') return { status: 'major_outage', reason: 'P1: the service is down for customers' };
  if (severity === 'P2') return { status: 'partial_outage', reason: 'P2: part of the service is failing' };
  return { status: 'degraded_performance', reason: `${severity} since it was posted: degraded, not down` };
};

const IMPACT_OF: Readonly<Record<ComponentStatus, PublicImpact>> = {
  operational: 'none',
  under_maintenance: 'none',
  degraded_performance: 'minor',
  partial_outage: 'major',
  major_outage: 'critical',
};

/** True when the incident has never been posted and the config wants a person to confirm its first post. */
export const needsConfirmation = (state: StatusPageState, config: StatusPageConfig, incidentId: string) =>
  config.confirmFirstPost && !state.incidents.some((i) => i.id === incidentId);

export interface DraftInput {
  readonly incidentId: string;
  readonly severity: Severity;
  /** The watched service the incident is on: it picks the components and fills `{service}`. */
  readonly service: string;
  readonly status: PublicStatus;
  /** @default "Problems with" the components, or the name already posted */
  readonly name?: string;
  readonly componentStatus?: ComponentPick;
}

const listOf = (names: readonly string[]): string =>
  new Intl.ListFormat('en', { type: 'conjunction' }).format(names);

/**
 * Writes the update the config asks for: the components behind the service, the template's words. It
 * refuses a first post of a severity the config does not publish, and a service no component maps.
 * Once posted, an incident keeps being updated whatever its severity becomes, so it can be resolved.
 */
export const draftUpdate = (
  state: StatusPageState,
  config: StatusPageConfig,
  input: DraftInput,
): StatusPageResult<StatusUpdate> => {
  const posted = state.incidents.find((i) => i.id === input.incidentId);
  if (!posted && !config.severities.includes(input.severity)) {
    return refuse(
      `a ${input.severity} does not publish: statusPage.severities is ${config.severities.join(', ')}`,
    );
  }
  const components = config.components.filter((c) => c.services.includes(input.service)).map((c) => c.name);
  if (components.length === 0) return refuse(`no status page component maps service ${input.service}`);
  const component = listOf(components);
  const body = config.templates[input.status].replace(/\{(component|service)\}/g, (_, placeholder) =>
    placeholder === 'component' ? component : input.service,
  );
  const { incidentId, severity, status, componentStatus } = input;
  const name = input.name ?? posted?.name ?? `Problems with ${component}`;
  const update = { incidentId, name, severity, components, status, body };
  return { ok: true, value: componentStatus ? { ...update, componentStatus } : update };
};

/** Each component's status: the worst of the open incidents on it, operational when there are none. */
const componentStates = (
  previous: StatusPageState['components'],
  incidents: readonly PublicIncident[],
  at: string,
): StatusPageState['components'] => {
  const names = new Set([...Object.keys(previous), ...incidents.flatMap((i) => i.components)]);
  const next: Record<string, ComponentState> = {};
  for (const name of names) {
    const on = incidents
      .filter((i) => isOpen(i) && i.components.includes(name))
      .map((i) => i.componentStatus);
    const status = worst(
      COMPONENT_STATUSES,
      'operational',
      on.map((pick) => pick.status),
    );
    const before = previous[name];
    next[name] = before?.status === status ? before : { status, updatedAt: at };
  }
  return next;
};

/**
 * Applies one public update. Refused, with the reason: a first post of a P3 or P4, or at resolved;
 * a status before the incident's current one; anything after resolved (a new occurrence is a new
 * public incident, with its own id); an update older than the incident's latest; no component.
 */
export const applyUpdate = (
  state: StatusPageState,
  update: StatusUpdate,
  now: Date,
): StatusPageResult<StatusPageState> => {
  const at = now.toISOString();
  const id = update.incidentId;
  const posted = state.incidents.find((i) => i.id === id);
  if (update.components.length === 0) return refuse(`the update of ${id} names no component`);
  if (!posted) {
    if (!(PUBLISHABLE_SEVERITIES as readonly Severity[]).includes(update.severity)) {
      return refuse(`a ${update.severity} never publishes: only P1 and P2 go on the status page`);
    }
    if (update.status === 'resolved') return refuse(`${id} was never posted: there is nothing to resolve`);
  } else {
    if (posted.status === 'resolved') {
      return refuse(`${id} is resolved on the status page: post a new occurrence as a new incident`);
    }
    if (PUBLIC_STATUSES.indexOf(update.status) < PUBLIC_STATUSES.indexOf(posted.status)) {
      return refuse(`statuses only move forward: ${id} is ${posted.status}, past ${update.status}`);
    }
    if (at < posted.updatedAt) return refuse(`the update is older than ${id}'s latest, ${posted.updatedAt}`);
  }
  const componentStatus = update.componentStatus ?? defaultComponentStatus(update.severity);
  const incident: PublicIncident = {
    id,
    name: update.name,
    severity: update.severity,
    components: [...update.components],
    status: update.status,
    componentStatus,
    impact: worst(PUBLIC_IMPACTS, IMPACT_OF[componentStatus.status], posted ? [posted.impact] : []),
    createdAt: posted?.createdAt ?? at,
    updatedAt: at,
    updates: [...(posted?.updates ?? []), { status: update.status, body: update.body, at }],
  };
  const incidents = [...state.incidents.filter((i) => i.id !== id), incident];
  return {
    ok: true,
    value: { ...state, incidents, components: componentStates(state.components, incidents, at) },
  };
};

const INDICATOR_WORDS: Readonly<Record<PublicImpact, string>> = {
  none: 'All Systems Operational',
  minor: 'Minor Service Outage',
  major: 'Partial System Outage',
  critical: 'Major Service Outage',
};

const componentsOf = (state: StatusPageState, config: StatusPageConfig) =>
  config.components.map((c: StatusComponent) => ({
    component: c,
    state: state.components[c.name] ?? { status: 'operational' as const, updatedAt: state.since },
  }));

/**
 * The page's indicator: the worst impact among its components, in Statuspage's words (a component
 * under maintenance alone leaves it at none: Statuspage's own `maintenance` is for scheduled work).
 */
export const pageIndicator = (state: StatusPageState, config: StatusPageConfig) => {
  const impacts = componentsOf(state, config).map((c) => IMPACT_OF[c.state.status]);
  const indicator = worst(PUBLIC_IMPACTS, 'none', impacts);
  return { indicator, description: INDICATOR_WORDS[indicator] };
};

/** The newest change on the page: the feed's `updated` and the summary's `page.updated_at`. */
const lastChange = (state: StatusPageState): string =>
  [...state.incidents, ...Object.values(state.components)]
    .map((c) => c.updatedAt)
    .reduce((latest, at) => (at > latest ? at : latest), state.since);

const newestFirst = (incidents: readonly PublicIncident[]) =>
  [...incidents].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
const newestUpdates = (i: PublicIncident): PublicUpdate[] => [...i.updates].reverse();
const openIncidents = (state: StatusPageState) => newestFirst(state.incidents.filter(isOpen));
const resolvedHistory = (state: StatusPageState) =>
  newestFirst(state.incidents.filter((i) => !isOpen(i))).slice(0, HISTORY_LENGTH);

/**
 * The page as Statuspage's public `GET /api/v2/summary.json` shapes it: `page`, `status` (indicator
 * and description), `components`, the unresolved `incidents` with their `incident_updates` newest
 * first, and `scheduled_maintenances` (always empty here). `page.url` is null without `url`.
 */
export const statusJson = (state: StatusPageState, config: StatusPageConfig) => ({
  page: {
    id: componentId(config.title),
    name: config.title,
    url: config.url ?? null,
    updated_at: lastChange(state),
  },
  status: pageIndicator(state, config),
  components: componentsOf(state, config).map(({ component, state: c }, index) => ({
    id: componentId(component.name),
    name: component.name,
    description: component.description ?? null,
    position: index + 1,
    status: c.status,
    updated_at: c.updatedAt,
  })),
  incidents: openIncidents(state).map((i) => ({
    id: i.id,
    name: i.name,
    status: i.status,
    impact: i.impact,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    resolved_at: null,
    components: i.components.map((name) => ({ id: componentId(name), name })),
    incident_updates: newestUpdates(i).map((u, n) => ({
      id: `${i.id}-${i.updates.length - n}`,
      status: u.status,
      body: u.body,
      created_at: u.at,
    })),
  })),
  scheduled_maintenances: [],
});

/**
 * A stable `urn:uuid:` (a name-based UUID, version 5, RFC 9562) for an Atom id: RFC 4287 ids never
 * change when a feed moves, so they come from the page's title and the incident, not from the URL.
 */
const atomId = (name: string): string => {
  const hash = createHash('sha1').update(`incident-response status page\n${name}`).digest('hex');
  const variant = ((Number.parseInt(hash.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `urn:uuid:${hash.slice(0, 8)}-${hash.slice(8, 12)}-5${hash.slice(13, 16)}-${variant}${hash.slice(18, 20)}-${hash.slice(20, 32)}`;
};

/** A status as people read it: `partial_outage` is "Partial outage". */
const words = (status: PublicStatus | ComponentStatus): string =>
  `${status.charAt(0).toUpperCase()}${status.slice(1).replaceAll('_', ' ')}`;

/** An instant as people read it on the page, e.g. 2026-11-23 10:05 UTC, in a <time> element. */
const timeHtml = (iso: string): string =>
  `<time datetime="${escapeHtml(iso)}">${escapeHtml(`${iso.slice(0, 16).replace('T', ' ')} UTC`)}</time>`;

const link = (config: StatusPageConfig, path: string, rel: string, type: string): string =>
  config.url
    ? `<link rel="${rel}" type="${type}" href="${escapeHtml(new URL(path, config.url).href)}"/>\n`
    : '';

/**
 * The page's history as an Atom 1.0 feed (RFC 4287): one entry per incident, open or among the last
 * HISTORY_LENGTH resolved, newest first; its content every update as text, newest first. Every value
 * is XML-escaped (escapeHtml's five entities are XML's).
 */
export const historyAtom = (state: StatusPageState, config: StatusPageConfig): string => {
  const entries = [...openIncidents(state), ...resolvedHistory(state)].map(
    (i) => `<entry>
<id>${atomId(`${config.title}\n${i.id}`)}</id>
<title>${escapeHtml(`${i.name} (${words(i.status)})`)}</title>
<published>${escapeHtml(i.createdAt)}</published>
<updated>${escapeHtml(i.updatedAt)}</updated>
${link(config, `#${i.id}`, 'alternate', 'text/html')}<content type="text">${escapeHtml(
      newestUpdates(i)
        .map((u) => `${words(u.status)} (${u.at}): ${u.body}`)
        .join('\n'),
    )}</content>
</entry>
`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
<id>${atomId(config.title)}</id>
<title>${escapeHtml(`${config.title}: incident history`)}</title>
<updated>${escapeHtml(lastChange(state))}</updated>
<author><name>${escapeHtml(config.title)}</name></author>
${link(config, 'history.atom', 'self', 'application/atom+xml')}${link(config, './', 'alternate', 'text/html')}${entries.join('')}</feed>
`;
};

/** Dark text on white, each colour at least 7:1; the status is always spelt out too, never colour alone. */
const STYLE =
  'body{font:1.125rem/1.5 system-ui,sans-serif;color:#111;background:#fff;max-width:42rem;margin:0 auto;padding:1rem}' +
  'a{color:#0b3d91}ul,ol{padding-left:1.25rem}li{margin:.5rem 0}.s{font-weight:700}' +
  '.operational{color:#0a5c1e}.under_maintenance{color:#1f4e9c}.degraded_performance{color:#6a4a00}' +
  '.partial_outage{color:#8a3300}.major_outage{color:#a1001f}';
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

const updateHtml = (u: PublicUpdate): string =>
  `<li><span class="s">${escapeHtml(words(u.status))}</span>: ${escapeHtml(u.body)} ${timeHtml(u.at)}</li>`;

const incidentsHtml = (incidents: readonly PublicIncident[], none: string): string =>
  incidents.length === 0
    ? `<p>${none}</p>`
    : incidents
        .map(
          (i) => `<article id="${escapeHtml(i.id)}">
<h3>${escapeHtml(i.name)}</h3>
<p>${escapeHtml(words(i.status))}, affecting ${escapeHtml(listOf(i.components))}.</p>
<ol>${newestUpdates(i).map(updateHtml).join('')}</ol>
</article>`,
        )
        .join('\n');

/**
 * The page customers open: the overall status, each component's status, the open incidents and the
 * recent history, newest first. Static and self-contained: no script, a meta Content-Security-Policy
 * that allows only its own inline style (by hash), every value escaped, one h1 and headings in order.
 */
export const statusIndexHtml = (state: StatusPageState, config: StatusPageConfig): string => {
  const { description } = pageIndicator(state, config);
  const components = componentsOf(state, config)
    .map(
      ({ component, state: c }) =>
        `<li>${escapeHtml(component.name)}: <span class="s ${escapeHtml(c.status)}">${escapeHtml(words(c.status))}</span>${
          component.description ? `<br>${escapeHtml(component.description)}` : ''
        }</li>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; form-action 'none'">
<title>${escapeHtml(config.title)}</title>
<link rel="alternate" type="application/atom+xml" title="Incident history" href="history.atom">
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(config.title)}</h1>
<p class="s">${escapeHtml(description)}</p>
<h2>Components</h2>
<ul>
${components}
</ul>
<h2>Open incidents</h2>
${incidentsHtml(openIncidents(state), 'No open incidents.')}
<h2>Past incidents</h2>
${incidentsHtml(resolvedHistory(state), 'No incidents yet.')}
</main>
<footer><p>Updated ${timeHtml(lastChange(state))}. Also as <a href="status.json">status.json</a> and an <a href="history.atom">Atom feed</a>.</p></footer>
</body>
</html>
`;
};
