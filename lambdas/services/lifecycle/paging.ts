/**
 * How the lifecycle pages: the tiers are resolved when the page goes (a tier that names a schedule
 * reaches the people on call at that moment, with the overrides in force), one page per address, each
 * with one-click links signed for that person (or the tier, for its shared endpoints), and each page
 * recorded on the timeline as soon as it is sent (nothing sent is left unrecorded). A tier skipped
 * for the severity and a coverage gap (the fallback paged) go on the timeline too.
 */
import { type Incident, type PageSent, recordPage } from '../../domain/incident';
import { isOpen } from '../../domain/lifecycle';
import { actionUrl, incidentPageUrl, linkFor, viewLinkFor } from '../../domain/links';
import { type IncidentPageKind, type PageContext, renderPage } from '../../domain/pages';
import {
  addressFromKey,
  addressKey,
  addressName,
  fallbackTargets,
  type PageTarget,
  resolveTiers,
  schedulesOf,
  type TierResolution,
} from '../../domain/paging-targets';
import type { ResponderAction } from '../../domain/responder-actions';
import type { Severity } from '../../domain/severity';
import { appendEntries, type NewEntry } from '../../domain/timeline';
import { type LifecycleDeps, load, WORKFLOW } from './deps';

type OncallNote = Extract<NewEntry, { kind: 'oncall' }>;

/** Where links point and what signs them, for one page's sends; none without a responder endpoint. */
interface Signing {
  readonly baseUrl: string;
  readonly ttlMinutes: number;
  readonly newId: () => string;
  readonly secret: string;
}

/**
 * The links' signing for one page, or none: without a responder endpoint, or when the secret cannot
 * be read (Secrets Manager down, a CLI user without GetSecretValue), which goes on the timeline: a
 * page without links, which names the CLI instead, beats no page.
 */
const signingFor = async (deps: LifecycleDeps, incident: Incident): Promise<Signing | undefined> => {
  if (!deps.links) return undefined;
  const { baseUrl, ttlMinutes, newId } = deps.links;
  try {
    return { baseUrl, ttlMinutes, newId, secret: await deps.links.secret() };
  } catch (error) {
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await deps.incidents.update(incident.id, (i, at) =>
      appendEntries(i, at, {
        kind: 'error',
        actor: WORKFLOW,
        summary: `pages go without links: the link signing secret could not be read (${why})`,
        details: { step: 'page', error: error instanceof Error ? error.name : 'Error' },
      }),
    );
    return undefined;
  }
};

/** Signed one-click links for `recipient`, bound to the incident and each action (none without signing). */
const linksFor = (
  signing: Signing | undefined,
  incident: Incident,
  recipient: string,
  now: Date,
  actions: readonly ResponderAction[],
): Partial<Record<ResponderAction, string>> => {
  if (!signing || !isOpen(incident.status)) return {};
  const { baseUrl, ttlMinutes, newId, secret } = signing;
  return Object.fromEntries(
    actions.map((action) => [
      action,
      actionUrl(
        baseUrl,
        linkFor({ incidentId: incident.id, action, recipient, now, ttlMinutes, jti: newId() }, secret),
      ),
    ]),
  );
};

/** The incident page's read-only link for `recipient`, open or not (none without signing). */
const incidentPageFor = (
  signing: Signing | undefined,
  incident: Incident,
  recipient: string,
  now: Date,
): string | undefined => {
  if (!signing) return undefined;
  const { baseUrl, ttlMinutes, secret } = signing;
  return incidentPageUrl(
    baseUrl,
    viewLinkFor({ incidentId: incident.id, recipient, now, ttlMinutes }, secret),
  );
};

/** Notices that everyone paged so far should hear, whoever is on call now. */
const NOTICES: readonly IncidentPageKind[] = ['ACKNOWLEDGED', 'UPDATE', 'RESOLVED'];

/** Addresses paged earlier about this incident that `targets` leaves out (a person who has handed off). */
const earlierAddresses = (incident: Incident, tiers: readonly string[], targets: readonly PageTarget[]) => {
  const now = new Set(targets.map((t) => addressKey(t.address)));
  const out: PageTarget[] = [];
  for (const e of incident.timeline) {
    if (e.kind !== 'page' || e.details?.to === undefined || e.details.address === undefined) continue;
    const key = e.details.address;
    if (now.has(key) || !tiers.includes(e.details.tier)) continue;
    now.add(key);
    out.push({
      tier: e.details.tier,
      address: addressFromKey(key),
      reason: `paged earlier about ${incident.id}`,
    });
  }
  return out;
};

/**
 * The overrides in force, or none when they cannot be read: a page that follows the rotation alone
 * beats no page (the last-resort failure page must go even with the table down).
 */
const overridesOrNone = async (deps: LifecycleDeps, schedules: readonly string[], now: Date) => {
  try {
    return (await deps.overrides?.overridesInForce(schedules, now)) ?? [];
  } catch {
    return [];
  }
};

/**
 * Who a page to `tiers` about a `severity` incident reaches now, and what to note about the tiers
 * (skips, coverage gaps). For a notice (`noticeOf`), also everyone paged about it earlier.
 */
export const resolvePage = async (
  deps: LifecycleDeps,
  tiers: readonly string[],
  severity: Severity,
  now: Date,
  noticeOf?: Incident,
): Promise<{ readonly targets: readonly PageTarget[]; readonly tiers: readonly TierResolution[] }> => {
  const schedules = schedulesOf(deps.config, tiers);
  const overrides = schedules.length > 0 ? await overridesOrNone(deps, schedules, now) : [];
  const resolved = resolveTiers(deps.config, overrides, tiers, severity, now);
  if (noticeOf === undefined) return resolved;
  return {
    ...resolved,
    targets: [...resolved.targets, ...earlierAddresses(noticeOf, tiers, resolved.targets)],
  };
};

/**
 * What a tier's own endpoints (a team channel) hear of the people the same page reaches for that
 * tier: their names, chat IDs where the config has them, and why.
 */
const onCallBeside = (deps: LifecycleDeps, targets: readonly PageTarget[], tier: string) => {
  const people = targets.filter((t) => t.tier === tier && t.address.kind === 'person');
  if (people.length === 0) return undefined;
  const named = people.map((t) => {
    const name = addressName(t.address);
    const chatId = deps.config.oncall?.people.find((p) => p.name === name)?.chatId;
    return chatId ? `${name} (chat ${chatId})` : name;
  });
  return { who: `on call: ${named.join(', ')}`, why: people.map((t) => t.reason).join('; ') };
};

/** The timeline's word on a tier that was skipped or had nobody on call. */
const notesOn = (resolutions: readonly TierResolution[]): OncallNote[] =>
  resolutions.flatMap((r): OncallNote[] =>
    r.skipped
      ? [
          {
            kind: 'oncall' as const,
            actor: WORKFLOW,
            summary: `not paged: ${r.skipped}`,
            details: { tier: r.tier, skipped: true },
          },
        ]
      : r.coverageGap
        ? [
            {
              kind: 'oncall' as const,
              actor: WORKFLOW,
              summary: `coverage gap for ${r.tier}: ${r.coverageGap}; paged the fallback (${r.targets.map((t) => addressName(t.address)).join(', ')})`,
              details: { tier: r.tier, coverageGap: true },
            },
          ]
        : [],
  );

/**
 * Sends one page per address the tiers reach now and records each on the timeline (nothing sent is
 * left unrecorded). Returns what was sent.
 */
export const page = async (
  deps: LifecycleDeps,
  incident: Incident,
  kind: IncidentPageKind,
  tiers: readonly string[],
  ctx: Omit<PageContext, 'now' | 'nextUpdateMinutes' | 'links' | 'incidentPage'> = {},
): Promise<PageSent[]> => {
  const now = deps.clock();
  const nextUpdateMinutes = deps.config.statusUpdateMinutes[incident.severity] ?? undefined;
  const actions: ResponderAction[] = [
    'ack',
    'escalate',
    'resolve',
    ...(ctx.approvalPending ? (['approve', 'deny'] as const) : []),
    ...(ctx.publishPending ? (['publish'] as const) : []),
  ];
  const notice = NOTICES.includes(kind) ? incident : undefined;
  const { targets, tiers: resolutions } = await resolvePage(deps, tiers, incident.severity, now, notice);
  const notes = notesOn(resolutions);
  if (notes.length > 0) await deps.incidents.update(incident.id, (i, at) => appendEntries(i, at, ...notes));
  const sent: PageSent[] = [];
  const signing = await signingFor(deps, incident);
  const sendTo = async (target: PageTarget, all: readonly PageTarget[]): Promise<void> => {
    const shared = target.address.kind === 'tier' && target.address.tier === target.tier;
    const who = addressName(target.address);
    const onCall = shared ? onCallBeside(deps, all, target.tier) : undefined;
    const incidentPage = incidentPageFor(signing, incident, who, now);
    const rendered = renderPage(kind, incident, {
      ...ctx,
      now,
      nextUpdateMinutes,
      links: linksFor(signing, incident, who, now, actions),
      ...(incidentPage ? { incidentPage } : {}),
      tier: target.tier,
      ...(shared ? (onCall ? { paged: onCall } : {}) : { paged: { who, why: target.reason } }),
    });
    const messageId = await deps.pager.send(addressKey(target.address), rendered);
    const record: PageSent = {
      tier: target.tier,
      kind,
      subject: rendered.subject,
      messageId,
      ...(shared ? {} : { to: who, address: addressKey(target.address), reason: target.reason }),
    };
    sent.push(record);
    await deps.incidents.update(incident.id, (i, at) => recordPage(i, record, WORKFLOW, at));
  };
  // One address that cannot be paged (its topic gone, publish denied) does not keep the others from
  // theirs; a person who could not be paged is covered by the fallback.
  const failed = await sendEach(deps, incident, targets, (t) => sendTo(t, targets));
  const reached = new Set(targets.map((t) => addressKey(t.address)));
  const cover = failed
    .filter((f) => f.target.address.kind === 'person')
    .flatMap((f) => fallbackFor(deps, f.target, reached));
  const coverFailed = await sendEach(deps, incident, cover, (t) => sendTo(t, cover));
  const first = [...failed, ...coverFailed][0];
  // Nobody at all reached: the step fails, and its Catch tells the operators.
  if (first && sent.length === 0) throw first.error;
  return sent;
};

/** Sends to each target, recording each failure on the timeline; returns the failures. */
const sendEach = async (
  deps: LifecycleDeps,
  incident: Incident,
  targets: readonly PageTarget[],
  send: (target: PageTarget) => Promise<void>,
): Promise<{ readonly target: PageTarget; readonly error: unknown }[]> => {
  const failed: { target: PageTarget; error: unknown }[] = [];
  for (const target of targets) {
    try {
      await send(target);
    } catch (error) {
      failed.push({ target, error });
      const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      await deps.incidents.update(incident.id, (i, at) =>
        appendEntries(i, at, {
          kind: 'error',
          actor: WORKFLOW,
          summary: `page to ${addressName(target.address)} for ${target.tier} failed: ${why}`,
          details: { step: 'page', error: error instanceof Error ? error.name : 'Error' },
        }),
      );
    }
  }
  return failed;
};

/** The fallback addresses that cover a person who could not be paged, less those already reached. */
const fallbackFor = (deps: LifecycleDeps, target: PageTarget, reached: Set<string>): PageTarget[] =>
  fallbackTargets(deps.config, target.tier, `the page to ${addressName(target.address)} failed`).filter(
    (t) => {
      const key = addressKey(t.address);
      if (reached.has(key)) return false;
      reached.add(key);
      return true;
    },
  );

/** Pages `tiers` about `incident` (with links), recording each page: what the responder endpoint's escalate uses. */
export const pageTiers = async (
  deps: LifecycleDeps,
  incidentId: string,
  kind: IncidentPageKind,
  tiers: readonly string[],
  ctx: Omit<PageContext, 'now' | 'nextUpdateMinutes' | 'links' | 'incidentPage'> = {},
): Promise<PageSent[]> => page(deps, await load(deps, incidentId), kind, tiers, ctx);
