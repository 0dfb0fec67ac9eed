/**
 * Who the escalation policy calls, and when (seed 000's escalation matrix by default; the config
 * holds each team's own). Pure: the policy is data handed in.
 */
import type { Severity } from './severity';

export interface EscalationStepPolicy {
  readonly afterMinutes: number;
  readonly notify: readonly string[];
}

export type EscalationPolicies = Readonly<
  Record<Severity, { readonly steps: readonly EscalationStepPolicy[] }>
>;

/** Tiers the policy pages at once (steps at minute 0): tier 1. */
export const firstTiers = (policies: EscalationPolicies, severity: Severity): string[] => [
  ...new Set(policies[severity].steps.filter((s) => s.afterMinutes === 0).flatMap((s) => s.notify)),
];

/** The next tier the policy reaches that has not been paged yet: who an escalation calls. */
export const nextTiers = (
  policies: EscalationPolicies,
  severity: Severity,
  alreadyPaged: readonly string[],
): string[] => {
  const later = [...policies[severity].steps]
    .sort((a, b) => a.afterMinutes - b.afterMinutes)
    .flatMap((s) => s.notify);
  const next = later.find((t) => !alreadyPaged.includes(t));
  return next ? [next] : [];
};

/**
 * Who hears about a failure of the workflow itself when there is no incident to hang it on: tier 1
 * of the P1 policy, else the first configured tier. Somebody is always told.
 */
export const operatorTiers = (policies: EscalationPolicies, tiers: readonly string[]): string[] => {
  const p1 = firstTiers(policies, 'P1');
  const first = tiers[0];
  return p1.length > 0 ? p1 : first ? [first] : [];
};
