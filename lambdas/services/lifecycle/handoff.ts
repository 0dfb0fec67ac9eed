/**
 * A handoff during an incident (issue 13): when a schedule that a paged tier reads hands over, each
 * incoming person gets a handoff note listing every incident still open, once, however many open
 * incidents' escalation loops notice the same handoff (a claim in the table decides who sends it). The
 * incident's timeline records who took over from whom. Later pages of the incident then go to the
 * incoming person, because paging resolves the tiers when each page goes.
 */
import type { EscalationEntry } from '../../domain/escalation';
import type { Incident } from '../../domain/incident';
import { renderHandoffNote } from '../../domain/page-handoff';
import { addressKey, addressName, resolveTiers, schedulesOf } from '../../domain/paging-targets';
import { appendEntries } from '../../domain/timeline';
import { type LifecycleDeps, WORKFLOW } from './deps';

/** How long a handoff claim is kept: long past any retry of the step that sends the note. */
const CLAIM_TTL_SECONDS = 7 * 24 * 3600;
/** A claim not marked sent after this long was left by a sender that died (Lambda's longest run is 15 min). */
const STALE_CLAIM_MS = 15 * 60_000;

const peopleOf = (targets: ReturnType<typeof resolveTiers>['targets'], tier: string): string[] =>
  targets.flatMap((t) => (t.tier === tier && t.address.kind === 'person' ? [t.address.person] : []));

/** Fires a `handoff` entry: notes to the incoming people, and the handoff on the timeline. */
export const fireHandoff = async (
  deps: LifecycleDeps,
  incident: Incident,
  entry: EscalationEntry,
): Promise<{ readonly fired: boolean; readonly reason: string }> => {
  const at = new Date(entry.at);
  const before = new Date(at.getTime() - 1);
  const schedules = schedulesOf(deps.config, entry.tiers);
  const overrides = deps.overrides ? await deps.overrides.overridesInForce(schedules, before) : [];
  const was = resolveTiers(deps.config, overrides, entry.tiers, incident.severity, before);
  const now = resolveTiers(deps.config, overrides, entry.tiers, incident.severity, at);
  const incoming = entry.tiers.flatMap((tier) => {
    const outgoing = peopleOf(was.targets, tier);
    return now.targets
      .filter(
        (t) => t.tier === tier && t.address.kind === 'person' && !outgoing.includes(addressName(t.address)),
      )
      .map((target) => ({ target, from: outgoing.join(', ') }));
  });
  if (incoming.length === 0) return { fired: false, reason: `${entry.label}: the same people stay on call` };
  const open = await deps.store.listOpen();
  const summaries: string[] = [];
  for (const { target, from } of incoming) {
    const person = addressName(target.address);
    // One note per person and handoff, however many tiers or incidents notice it.
    const key = `handoff#${entry.at}#${person}`;
    const taking = `${person} on call for ${target.tier} (${target.reason})${from ? ` from ${from}` : ''}`;
    const claimedAt = deps.clock();
    const claimed = await deps.store.claimOnce(
      key,
      claimedAt,
      new Date(claimedAt.getTime() - STALE_CLAIM_MS),
      Math.floor(at.getTime() / 1000) + CLAIM_TTL_SECONDS,
    );
    if (!claimed) {
      summaries.push(`${taking}; the handoff note was already sent`);
      continue;
    }
    const note = renderHandoffNote({
      person,
      reason: target.reason,
      ...(from ? { from } : {}),
      tier: target.tier,
      incident,
      open,
      now: deps.clock(),
    });
    try {
      await deps.pager.send(addressKey(target.address), note);
    } catch (error) {
      // Given back, so that the step's retry sends it; the error fails the step as before.
      await deps.store.releaseClaim(key);
      throw error;
    }
    await deps.store.markClaimSent(key, deps.clock());
    summaries.push(`${taking}; handoff note sent listing ${open.length} open incident(s)`);
  }
  await deps.incidents.update(incident.id, (i, stamp) =>
    appendEntries(i, stamp, {
      kind: 'oncall',
      actor: WORKFLOW,
      summary: `handoff: ${summaries.join('; ')}`,
      details: { handoffTo: incoming.map(({ target }) => addressName(target.address)) },
    }),
  );
  return { fired: true, reason: `${entry.label}: ${summaries.join('; ')}` };
};
