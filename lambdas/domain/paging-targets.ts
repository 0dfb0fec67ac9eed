/**
 * Who a page to a tier reaches at one instant (issue 13): the tier's own endpoints (its SNS topic),
 * and, for a tier that names a schedule (or one layer of it), each person on call then, with why. A
 * tier limited to some severities is skipped for the others; a schedule with nobody on call pages the
 * fallback at once and says so (a coverage gap). Escalation calls this when each step fires, so a
 * handoff during an incident moves later pages to the incoming person.
 *
 * Pure: the config, the overrides and the instant are handed in.
 */
import type { ContactTier } from '../contract/config-schema';
import type { OncallConfig, OncallOverride } from '../contract/config-schema-oncall';
import { onCallIn } from './oncall';
import type { Severity } from './severity';

/** Where one page goes: a tier's own topic, or one person's. */
export type PageAddress =
  | { readonly kind: 'tier'; readonly tier: string }
  | { readonly kind: 'person'; readonly person: string };

/** The pager's key for an address: the tier name, or `person:<name>` (names never contain a colon). */
export const addressKey = (address: PageAddress): string =>
  address.kind === 'tier' ? address.tier : `person:${address.person}`;

/** The address a pager key names: the inverse of {@link addressKey}. */
export const addressFromKey = (key: string): PageAddress =>
  key.startsWith('person:')
    ? { kind: 'person', person: key.slice('person:'.length) }
    : { kind: 'tier', tier: key };

/** Who a link in the page acts as: the person, or the tier for its shared endpoints. */
export const addressName = (address: PageAddress): string =>
  address.kind === 'tier' ? address.tier : address.person;

export interface PageTarget {
  /** The tier of the escalation policy this page is for. */
  readonly tier: string;
  readonly address: PageAddress;
  /** Why this address: "secondary of app, week of 2026-11-30", "the tier's own endpoints", ... */
  readonly reason: string;
}

export interface TierResolution {
  readonly tier: string;
  /** Every address the page goes to; empty only when the tier is skipped. */
  readonly targets: readonly PageTarget[];
  /** Why the tier is not paged (a severity it leaves out). */
  readonly skipped?: string;
  /** Set when the tier's schedule had nobody on call, so the fallback was paged instead. */
  readonly coverageGap?: string;
}

/** What resolving needs of the config: the tiers and the on-call section. */
export interface PagingSetup {
  readonly contacts: Readonly<Record<string, ContactTier>>;
  readonly oncall?: OncallConfig;
}

const hasEndpoints = (tier: ContactTier): boolean =>
  tier.email.length > 0 ||
  tier.sms.length > 0 ||
  tier.chat?.slackChannelId !== undefined ||
  tier.chat?.teamsChannelId !== undefined;

/** The fallback's addresses (a name is a person in `oncall.people`, else a tier), paged for `tier` and why. */
export const fallbackTargets = (setup: PagingSetup, tier: string, why: string): PageTarget[] =>
  (setup.oncall?.fallback ?? []).map((name) => ({
    tier,
    address: setup.oncall?.people.some((p) => p.name === name)
      ? { kind: 'person', person: name }
      : { kind: 'tier', tier: name },
    reason: `fallback: ${why}`,
  }));

/** Who a page to `tierName` about a `severity` incident reaches at `at`. */
export const resolveTier = (
  setup: PagingSetup,
  overrides: readonly OncallOverride[],
  tierName: string,
  severity: Severity,
  at: Date,
): TierResolution => {
  const tier = setup.contacts[tierName];
  if (tier === undefined) throw new Error(`no tier ${tierName} in contacts`);
  if (tier.severities !== undefined && !tier.severities.includes(severity)) {
    return {
      tier: tierName,
      targets: [],
      skipped: `${tierName} is paged for ${tier.severities.join(', ')} only, not ${severity}`,
    };
  }
  const own: PageTarget[] = hasEndpoints(tier)
    ? [{ tier: tierName, address: { kind: 'tier', tier: tierName }, reason: "the tier's own endpoints" }]
    : [];
  if (tier.schedule === undefined) return { tier: tierName, targets: own };
  if (setup.oncall === undefined)
    throw new Error(`tier ${tierName} names a schedule, but there is no oncall`);
  const answer = onCallIn(setup.oncall, overrides, tier.schedule, at, {
    severity,
    ...(tier.layer === undefined ? {} : { layer: tier.layer }),
  });
  const where = tier.layer === undefined ? tier.schedule : `${tier.layer} of ${tier.schedule}`;
  if (answer.coverageGap) {
    const why = `nobody on call in ${where} for ${severity} at ${at.toISOString()}`;
    return { tier: tierName, targets: [...own, ...fallbackTargets(setup, tierName, why)], coverageGap: why };
  }
  return {
    tier: tierName,
    targets: [
      ...own,
      ...answer.onCall.map((entry) => ({
        tier: tierName,
        address: { kind: 'person', person: entry.person } as const,
        reason: entry.reason,
      })),
    ],
  };
};

/**
 * Who a page to several tiers reaches: each address once (the first tier that reaches it names it),
 * plus each tier's resolution for the timeline (skips and coverage gaps).
 */
export const resolveTiers = (
  setup: PagingSetup,
  overrides: readonly OncallOverride[],
  tiers: readonly string[],
  severity: Severity,
  at: Date,
): { readonly targets: readonly PageTarget[]; readonly tiers: readonly TierResolution[] } => {
  const resolutions = tiers.map((t) => resolveTier(setup, overrides, t, severity, at));
  const seen = new Set<string>();
  const targets = resolutions
    .flatMap((r) => r.targets)
    .filter((t) => {
      const key = addressKey(t.address);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  return { targets, tiers: resolutions };
};

/** The schedules a set of tiers reads (their handoffs are when a handoff note may be due). */
export const schedulesOf = (setup: PagingSetup, tiers: readonly string[]): string[] => [
  ...new Set(tiers.map((t) => setup.contacts[t]?.schedule).filter((s): s is string => s !== undefined)),
];
