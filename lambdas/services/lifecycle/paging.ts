/**
 * How the lifecycle pages: one page per tier, each with its signed one-click links, and each page
 * recorded on the timeline as soon as it is sent (nothing sent is left unrecorded).
 */
import { type Incident, type PageSent, recordPage } from '../../domain/incident';
import { isOpen } from '../../domain/lifecycle';
import { actionUrl, linkFor } from '../../domain/links';
import { type PageContext, type PageKind, renderPage } from '../../domain/pages';
import type { ResponderAction } from '../../domain/responder-actions';
import { type LifecycleDeps, load, WORKFLOW } from './deps';

/** Signed one-click links for `tier`, bound to the incident and each action (none without a responder endpoint). */
const linksFor = async (
  deps: LifecycleDeps,
  incident: Incident,
  tier: string,
  now: Date,
  actions: readonly ResponderAction[],
): Promise<Partial<Record<ResponderAction, string>>> => {
  if (!deps.links || !isOpen(incident.status)) return {};
  const { baseUrl, ttlMinutes, newId } = deps.links;
  const secret = await deps.links.secret();
  return Object.fromEntries(
    actions.map((action) => [
      action,
      actionUrl(
        baseUrl,
        linkFor({ incidentId: incident.id, action, recipient: tier, now, ttlMinutes, jti: newId() }, secret),
      ),
    ]),
  );
};

/** Sends one page per tier and records each on the timeline (nothing sent is left unrecorded). */
export const page = async (
  deps: LifecycleDeps,
  incident: Incident,
  kind: PageKind,
  tiers: readonly string[],
  ctx: Omit<PageContext, 'now' | 'nextUpdateMinutes' | 'links'> = {},
): Promise<PageSent[]> => {
  const now = deps.clock();
  const nextUpdateMinutes = deps.config.statusUpdateMinutes[incident.severity] ?? undefined;
  const sent: PageSent[] = [];
  const actions: ResponderAction[] = [
    'ack',
    'escalate',
    'resolve',
    ...(ctx.approvalPending ? (['approve', 'deny'] as const) : []),
  ];
  for (const tier of tiers) {
    const rendered = renderPage(kind, incident, {
      ...ctx,
      now,
      nextUpdateMinutes,
      links: await linksFor(deps, incident, tier, now, actions),
      tier,
    });
    const messageId = await deps.pager.send(tier, rendered);
    const record: PageSent = { tier, kind, subject: rendered.subject, messageId };
    sent.push(record);
    await deps.incidents.update(incident.id, (i, at) => recordPage(i, record, WORKFLOW, at));
  }
  return sent;
};

/** Pages `tiers` about `incident` (with links), recording each page: what the responder endpoint's escalate uses. */
export const pageTiers = async (
  deps: LifecycleDeps,
  incidentId: string,
  kind: PageKind,
  tiers: readonly string[],
  ctx: Omit<PageContext, 'now' | 'nextUpdateMinutes' | 'links'> = {},
): Promise<PageSent[]> => page(deps, await load(deps, incidentId), kind, tiers, ctx);
