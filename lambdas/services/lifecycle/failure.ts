/**
 * What the incident workflow runs when a step fails (its Catch) or recovery does not come in time:
 * escalate, which pages a person with the reason and records it.
 */
import { firstTiers, nextTiers, operatorTiers } from '../../domain/escalation';
import { appendEntries } from '../../domain/incident';
import { addressKey, addressName } from '../../domain/paging-targets';
import { type LifecycleDeps, WORKFLOW } from './deps';
import { firstPageAt } from './escalation';
import { page, resolvePage } from './paging';

export interface FailureInput {
  /** The workflow step that failed, e.g. "Diagnose". */
  readonly step: string;
  readonly error?: { readonly Error?: string; readonly Cause?: string };
  /** The workflow state when it failed; holds `record.incidentId` once the incident exists. */
  readonly state?: { readonly record?: { readonly incidentId?: string } };
  /** Set for an escalation that is not a failure, e.g. "not recovered within 60 min". */
  readonly reason?: string;
}

/** Reads the Cause Step Functions passes on: a Lambda error arrives as JSON with errorMessage. */
const causeText = (cause: string | undefined): string => {
  if (!cause) return 'no cause given';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    return parsed.errorMessage ?? cause;
  } catch {
    return cause;
  }
};

/**
 * A step failed (or recovery did not come): a person is paged with the error, and the error goes on
 * the timeline. With no incident to hang it on (intake itself failed), the operators are paged.
 */
export const escalate = async (
  deps: LifecycleDeps,
  input: FailureInput,
): Promise<{ paged: string[]; incidentId?: string }> => {
  const errorPart = input.error?.Error ? `${input.error.Error}: ${causeText(input.error.Cause)}` : undefined;
  const why = input.reason
    ? `${input.reason}${errorPart ? ` (${errorPart})` : ''}`
    : `${input.step} failed: ${errorPart ?? 'error: no cause given'}`;
  const incidentId = input.state?.record?.incidentId;
  const incident = incidentId ? await deps.store.getIncident(incidentId) : undefined;
  if (!incident) {
    const now = deps.clock();
    const tiers = operatorTiers(deps.config.escalation, Object.keys(deps.config.contacts));
    // Operators are reached as any page is: a tier with a schedule pages whoever is on call now.
    const { targets } = await resolvePage(deps, tiers, 'P1', now);
    for (const target of targets) {
      await deps.pager.send(addressKey(target.address), {
        kind: 'ESCALATION',
        incidentId: incidentId ?? 'none',
        at: now.toISOString(),
        subject: `ESCALATION NEEDED: incident workflow ${input.step} failed`,
        body: `ESCALATION NEEDED: the incident workflow failed before an incident was recorded.\nTime: ${now.toISOString()}\nWhy escalating: ${why}\nCheck the workflow's failed executions and the intake dead-letter queue.`,
        sms: `ESCALATION incident workflow ${input.step} failed: ${why}`.slice(0, 160),
      });
    }
    return { paged: targets.map((t) => addressName(t.address)) };
  }
  const withError = await deps.incidents.update(incident.id, (i, at) =>
    appendEntries(i, at, {
      kind: input.reason ? 'note' : 'error',
      actor: WORKFLOW,
      summary: why,
      details: { step: input.step, ...(input.error?.Error ? { error: input.error.Error } : {}) },
    }),
  );
  // A recovery that does not come is the escalation policy's to escalate (its not-resolved steps run
  // on their own clock): tell those already paged. A failed step, a failed mitigation or an action
  // without approval calls the next tier at once.
  const policyEscalates = input.reason !== undefined && input.step === 'AwaitRecovery';
  const first = firstPageAt(deps.config, withError);
  if (policyEscalates && first.deferred && deps.clock().toISOString() < first.at) {
    // The severity's pages wait for a calendar: the escalation loop sends the first one when it opens.
    await deps.incidents.update(incident.id, (i, at) =>
      appendEntries(i, at, {
        kind: 'oncall',
        actor: WORKFLOW,
        summary: `not paged yet: ${i.severity} pages wait until ${first.at}, when the escalation policy pages`,
        details: { deferredUntil: first.at },
      }),
    );
    return { paged: [], incidentId: incident.id };
  }
  const tiers = [
    ...new Set([
      ...firstTiers(deps.config.escalation, withError.severity),
      ...(policyEscalates
        ? withError.pagedTiers
        : nextTiers(deps.config.escalation, withError.severity, withError.pagedTiers)),
    ]),
  ];
  const sent = await page(
    deps,
    withError,
    'ESCALATION',
    tiers.length > 0 ? tiers : operatorTiers(deps.config.escalation, Object.keys(deps.config.contacts)),
    { why },
  );
  return { paged: sent.map((s) => s.tier), incidentId: incident.id };
};
