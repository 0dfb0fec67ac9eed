/**
 * Multi-step incident flows over the store: open or join an incident for an alarm signal, change an
 * incident without losing a concurrent change, and repair a creation that crashed half-way.
 *
 * Creation, without transactions:
 *   1. read the dedup pointer; if it points at an incident that takes the signal, apply it there;
 *   2. take an id (day counter; a loser of step 3 leaves a gap in the numbers, never a duplicate);
 *   3. claim the pointer with a conditional write that carries the whole draft incident: exactly one
 *      writer wins, the others re-read and join the winner's incident;
 *   4. put the incident item (if absent), then clear the pointer's draft.
 * A crash after 3 leaves a pointer with a draft and no incident: the next attempt for the key (the
 * retried event, any later event) or `repairPendingCreations` writes the incident from the draft. A
 * crash after 4a leaves a pointer marked CREATING, cleared the same way. Nothing stays half-open.
 */

import type { DedupPointer, IncidentStore } from '../adapters/incident-store';
import type { RecordOutcome } from '../contract/steps';
import { ConcurrentUpdateError, IncidentNotFoundError, ValidationError } from '../domain/errors';
import { type DedupField, dedupKey, formatIncidentId, utcDay } from '../domain/ids';
import {
  type AlarmSignal,
  acceptsAlarm,
  appendEntries,
  applySignal,
  endSuppression,
  type Incident,
  openIncident,
  type SignalPolicy,
  type Suppression,
  suppress,
} from '../domain/incident';
import { isOpen } from '../domain/lifecycle';
import type { Severity } from '../domain/severity';

export type { RecordOutcome };

export interface RecordResult {
  readonly outcome: RecordOutcome;
  readonly reason: string;
  readonly incidentId?: string;
  readonly incident?: Incident;
  /** True when this call finished a creation that an earlier attempt left half-done. */
  readonly repaired?: boolean;
}

export interface AlarmToRecord {
  readonly signal: AlarmSignal;
  readonly severity: Severity;
  readonly severityReason: string;
  readonly title: string;
  readonly runbookUrl?: string;
  /** A person declared it (the seeds' "user reports"): they, not an alarm, opened it. */
  readonly declaredBy?: string;
  /**
   * The silence covering the service when the alarm fired: an incident it opens or reopens is marked
   * suppressed in the same write, so no retry can see it recorded but not suppressed.
   */
  readonly suppression?: Suppression;
}

export interface IncidentServiceOptions extends SignalPolicy {
  readonly dedupFields: readonly DedupField[];
  /** Attempts at a contended write before giving up with ConcurrentUpdateError. @default 60 */
  readonly maxAttempts?: number;
  /** Upper bound of the random back-off between attempts, in ms. @default 25 */
  readonly maxBackoffMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Accepts any timestamp Date.parse reads (CloudWatch writes `+0000`) and returns canonical ISO-8601 UTC. */
const canonicalTime = (value: string, field: string): string => {
  const parsed = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(parsed))
    throw new ValidationError('alarm signal', [{ path: field, message: `not a timestamp: "${value}"` }]);
  return new Date(parsed).toISOString();
};

/**
 * An incident opened or reopened under a silence is suppressed; one reopened with no silence any
 * more loses a suppression left from before, so the workflow still waiting on it stands down.
 */
const withSuppression = (incident: Incident, suppression: Suppression | undefined, now: Date): Incident => {
  if (suppression)
    return incident.suppressed?.until === suppression.until ? incident : suppress(incident, suppression, now);
  return incident.suppressed
    ? endSuppression(incident, now, {
        summary: 'reopened with no silence in force: handled and paged as usual',
      })
    : incident;
};

export class IncidentService {
  private readonly maxAttempts: number;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly store: IncidentStore,
    private readonly options: IncidentServiceOptions,
    private readonly clock: () => Date,
  ) {
    this.maxAttempts = options.maxAttempts ?? 60;
    this.maxBackoffMs = options.maxBackoffMs ?? 25;
  }

  keyFor(signal: AlarmSignal): string {
    return dedupKey(
      { service: signal.service, alarm: signal.alarmName, account: signal.account, region: signal.region },
      this.options.dedupFields,
    );
  }

  /** Records one alarm state change: opens, joins, reopens or resolves the incident of its dedup key. */
  async recordAlarm(input: AlarmToRecord): Promise<RecordResult> {
    const signal: AlarmSignal = { ...input.signal, at: canonicalTime(input.signal.at, 'at') };
    const key = this.keyFor(signal);
    let repaired = false;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const pointer = await this.store.getPointer(key);
      const current = pointer?.incidentId ? await this.store.getIncident(pointer.incidentId) : undefined;

      if (pointer?.incidentId && !current) {
        if (!pointer.draft)
          throw new IncidentNotFoundError(
            `dedup key ${key} points at ${pointer.incidentId}, which does not exist`,
          );
        await this.finishCreation(pointer);
        repaired = true;
        continue;
      }
      if (pointer?.draft && current) await this.finishCreation(pointer);

      const takesSignal =
        current !== undefined &&
        (signal.state === 'ALARM' ? acceptsAlarm(current, signal, this.options) : isOpen(current.status));
      if (!takesSignal) {
        const result =
          signal.state === 'ALARM'
            ? await this.tryOpen(input, signal, key, pointer)
            : await this.rememberOk(signal, key, pointer);
        if (result) return result;
      } else {
        const now = this.clock();
        const applied = applySignal(current, signal, this.options, now);
        if (!applied.incident) return this.result(applied.outcome, applied.reason, current, signal, repaired);
        const next =
          applied.outcome === 'reopened'
            ? withSuppression(applied.incident, input.suppression, now)
            : applied.incident;
        const saved = await this.store.saveIncident(next);
        if (saved) return this.result(applied.outcome, applied.reason, saved, signal, repaired);
      }
      await this.backoff(attempt);
    }
    throw new ConcurrentUpdateError(
      `gave up recording ${signal.alarmName} ${signal.state} after ${this.maxAttempts} contended attempts`,
    );
  }

  /**
   * Applies `change` to the stored incident with a versioned write, re-reading and re-applying it when
   * another writer got there first, so concurrent acknowledge / resolve / automation never lose an update.
   * `change` must be pure (it may run more than once); returning the incident unchanged writes nothing.
   */
  async update(id: string, change: (incident: Incident, now: Date) => Incident): Promise<Incident> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const current = await this.store.getIncident(id);
      if (!current) throw new IncidentNotFoundError(`no incident ${id}`);
      const next = change(current, this.clock());
      if (next === current) return current;
      const saved = await this.store.saveIncident(next);
      if (saved) return saved;
      await this.backoff(attempt);
    }
    throw new ConcurrentUpdateError(`gave up updating ${id} after ${this.maxAttempts} contended attempts`);
  }

  /** Finishes every creation a crash left half-done. Returns the ids it wrote or confirmed. */
  async repairPendingCreations(): Promise<string[]> {
    const pending = await this.store.listPendingCreations();
    const done: string[] = [];
    for (const pointer of pending) {
      if (pointer.draft) {
        await this.finishCreation(pointer);
        done.push(pointer.draft.id);
      }
    }
    return done;
  }

  private async tryOpen(
    input: AlarmToRecord,
    signal: AlarmSignal,
    key: string,
    pointer: DedupPointer | undefined,
  ): Promise<RecordResult | undefined> {
    const now = this.clock();
    const id = formatIncidentId(utcDay(now), await this.store.nextSequence(utcDay(now), now));
    let draft = openIncident({
      id,
      dedupKey: key,
      signal,
      severity: input.severity,
      severityReason: input.severityReason,
      title: input.title,
      runbookUrl: input.runbookUrl,
      now,
      ...(input.declaredBy ? { declaredBy: { type: 'human' as const, name: input.declaredBy } } : {}),
    });
    let reason = `opened ${id}`;
    const laterOk = pointer?.lastOkAt;
    if (laterOk && laterOk > signal.at) {
      const settled = applySignal(
        draft,
        { ...signal, state: 'OK', at: laterOk },
        { ...this.options, resolveOnOk: true },
        now,
      );
      draft = appendEntries(settled.incident ?? draft, now, {
        kind: 'note',
        actor: { type: 'automation', name: 'intake' },
        summary: `the alarm's OK of ${laterOk} was delivered before this ALARM of ${signal.at}: opened and resolved at once`,
      });
      reason = `opened ${id} and resolved it: its OK had already arrived`;
    }
    if (isOpen(draft.status)) draft = withSuppression(draft, input.suppression, now);
    const claimed = await this.store.putPointer({ dedupKey: key, incidentId: id, draft }, pointer?.version);
    if (!claimed) return undefined;
    await this.finishCreation(claimed);
    return { outcome: 'opened', reason, incidentId: id, incident: { ...draft, version: 1 } };
  }

  private async rememberOk(
    signal: AlarmSignal,
    key: string,
    pointer: DedupPointer | undefined,
  ): Promise<RecordResult | undefined> {
    if (pointer?.lastOkAt && pointer.lastOkAt >= signal.at) {
      return { outcome: 'ignored', reason: `OK of ${signal.at} already known; no open incident` };
    }
    const kept = await this.store.putPointer(
      { dedupKey: key, incidentId: pointer?.incidentId, lastOkAt: signal.at },
      pointer?.version,
    );
    if (!kept) return undefined;
    return {
      outcome: 'ignored',
      reason: `no open incident for ${signal.alarmName}; OK of ${signal.at} kept in case its ALARM arrives late`,
    };
  }

  /** Steps 4a and 4b of creation; safe to run any number of times, by anyone. */
  private async finishCreation(pointer: DedupPointer): Promise<void> {
    if (!pointer.draft || !pointer.incidentId) return;
    await this.store.putNewIncident(pointer.draft);
    await this.store.putPointer(
      { dedupKey: pointer.dedupKey, incidentId: pointer.incidentId },
      pointer.version,
    );
  }

  private result(
    outcome: RecordOutcome,
    reason: string,
    incident: Incident,
    signal: AlarmSignal,
    repaired: boolean,
  ): RecordResult {
    // A retry that repaired its own half-done creation reports what the first attempt meant to say.
    const opening = incident.timeline[0];
    const ownCreation =
      repaired &&
      outcome === 'duplicate' &&
      opening?.kind === 'detected' &&
      opening.details?.stateChangedAt === signal.at;
    return {
      outcome: ownCreation ? 'opened' : outcome,
      reason: ownCreation ? `opened ${incident.id} (finished a creation interrupted earlier)` : reason,
      incidentId: incident.id,
      incident,
      ...(repaired ? { repaired } : {}),
    };
  }

  private async backoff(attempt: number): Promise<void> {
    await sleep(Math.random() * Math.min(this.maxBackoffMs, 2 * attempt));
  }
}
