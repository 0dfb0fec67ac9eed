import { describe, expect, it } from 'vitest';
import { InvalidTransitionError } from '../../../lambdas/domain/errors';
import { dedupKey, formatIncidentId, isIncidentId, utcDay } from '../../../lambdas/domain/ids';
import {
  type AlarmSignal,
  acceptsAlarm,
  acknowledge,
  applySignal,
  changeSeverity,
  type Incident,
  moveTo,
  openIncident,
} from '../../../lambdas/domain/incident';
import { canMove, STATUSES, type Status, TRANSITIONS } from '../../../lambdas/domain/lifecycle';

const t0 = new Date('2026-11-23T10:00:00.000Z');
const minutes = (n: number) => new Date(t0.getTime() + n * 60_000);
const signal = (state: 'ALARM' | 'OK', at: Date): AlarmSignal => ({
  alarmName: 'checkout-error-rate',
  state,
  at: at.toISOString(),
  service: 'checkout',
});
const policy = { reopenWindowMinutes: 30, resolveOnOk: true };
const human = { type: 'human', name: 'alice' } as const;
const automation = { type: 'automation', name: 'diagnose' } as const;

const fresh = (): Incident =>
  openIncident({
    id: 'INC-20261123-001',
    dedupKey: 'service=checkout|alarm=checkout-error-rate',
    signal: signal('ALARM', t0),
    severity: 'P2',
    severityReason: 'configured P2',
    title: 'checkout: error rate above 10%',
    now: t0,
  });

describe('ids', () => {
  it.each<[string, number, string]>([
    ['20261123', 1, 'INC-20261123-001'],
    ['20261123', 42, 'INC-20261123-042'],
    ['20261231', 1000, 'INC-20261231-1000'],
  ])('%s #%d -> %s', (day, n, id) => {
    expect(formatIncidentId(day, n)).toBe(id);
    expect(isIncidentId(id)).toBe(true);
  });

  it('uses the UTC day', () => {
    expect(utcDay(new Date('2026-11-23T23:59:59.999Z'))).toBe('20261123');
    expect(utcDay(new Date('2026-11-24T00:00:00.000+01:00'))).toBe('20261123');
  });

  it.each([
    ['2026-11-23', 1],
    ['20261123', 0],
    ['20261123', 1.5],
  ])('refuses day %s / sequence %d', (day, n) => {
    expect(() => formatIncidentId(day as string, n as number)).toThrow(RangeError);
  });

  it('dedup keys follow the configured fields and cannot be forged with separators', () => {
    const parts = { service: 'checkout', alarm: 'a|alarm=b', account: '111', region: 'eu-west-1' };
    expect(dedupKey(parts)).toBe('service=checkout|alarm=a%7Calarm%3Db');
    expect(dedupKey(parts, ['alarm'])).toBe('alarm=a%7Calarm%3Db');
    expect(dedupKey(parts, ['account', 'region', 'service'])).toBe(
      'account=111|region=eu-west-1|service=checkout',
    );
  });
});

describe('lifecycle moves', () => {
  const allowed: Array<[Status, Status]> = STATUSES.flatMap((from) =>
    TRANSITIONS[from].map((to): [Status, Status] => [from, to]),
  );
  const refused: Array<[Status, Status]> = STATUSES.flatMap((from) =>
    STATUSES.filter((to) => !TRANSITIONS[from].includes(to)).map((to): [Status, Status] => [from, to]),
  );

  it('CLOSED is final and RESOLVED only closes or reopens', () => {
    expect(TRANSITIONS.CLOSED).toEqual([]);
    expect(TRANSITIONS.RESOLVED).toEqual(['CLOSED', 'DETECTED']);
    expect(allowed.length + refused.length).toBe(STATUSES.length ** 2);
  });

  it.each(refused)('refuses %s -> %s', (from, to) => {
    expect(canMove(from, to)).toBe(false);
    const at = { ...fresh(), status: from };
    expect(() => moveTo(at, to, human, t0)).toThrow(InvalidTransitionError);
  });

  it('stamps one timestamp per status and appends the move', () => {
    const moved = moveTo(fresh(), 'INVESTIGATING', automation, minutes(2));
    expect(moved.statusTimestamps).toEqual({
      DETECTED: t0.toISOString(),
      INVESTIGATING: minutes(2).toISOString(),
    });
    expect(moved.timeline.at(-1)).toMatchObject({
      kind: 'status',
      actor: automation,
      summary: 'DETECTED -> INVESTIGATING',
      seq: 3,
    });
  });
});

describe('opening', () => {
  it('records who, what and when: the alarm detected it, the classifier set severity', () => {
    const i = fresh();
    expect(i).toMatchObject({ status: 'DETECTED', severity: 'P2', version: 0, createdAt: t0.toISOString() });
    expect(i.timeline).toEqual([
      expect.objectContaining({
        seq: 1,
        kind: 'detected',
        actor: { type: 'alarm', name: 'checkout-error-rate' },
      }),
      expect.objectContaining({ seq: 2, kind: 'severity', summary: 'severity P2: configured P2' }),
    ]);
  });
});

describe('acknowledgement', () => {
  it('from DETECTED moves to ACKNOWLEDGED and names the owner', () => {
    const acked = acknowledge(fresh(), human, minutes(3));
    expect(acked).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedBy: 'alice' });
    expect(acked.statusTimestamps.ACKNOWLEDGED).toBe(minutes(3).toISOString());
  });

  it('while automation investigates it stamps ACKNOWLEDGED without moving the status back', () => {
    const acked = acknowledge(moveTo(fresh(), 'INVESTIGATING', automation, minutes(1)), human, minutes(3));
    expect(acked.status).toBe('INVESTIGATING');
    expect(acked.statusTimestamps.ACKNOWLEDGED).toBe(minutes(3).toISOString());
  });

  it('twice keeps the first owner and notes the second', () => {
    const twice = acknowledge(
      acknowledge(fresh(), human, minutes(3)),
      { type: 'human', name: 'bob' },
      minutes(4),
    );
    expect(twice.acknowledgedBy).toBe('alice');
    expect(twice.timeline.at(-1)?.summary).toBe('bob acknowledged again (owner: alice)');
  });

  it('of a resolved incident is refused', () => {
    const resolved = moveTo(fresh(), 'RESOLVED', human, minutes(5));
    expect(() => acknowledge(resolved, human, minutes(6))).toThrow(
      /only an open incident can be acknowledged/,
    );
  });
});

describe('severity changes', () => {
  it.each<[string, 'human' | 'automation', 'P1' | 'P3', 'P1' | 'P2' | 'P3']>([
    ['automation raises', 'automation', 'P1', 'P1'],
    ['automation may not lower', 'automation', 'P3', 'P2'],
    ['a human may lower', 'human', 'P3', 'P3'],
    ['a human may raise', 'human', 'P1', 'P1'],
  ])('%s', (_, type, to, expected) => {
    const changed = changeSeverity(fresh(), to, { type, name: 'x' }, 'because', minutes(1));
    expect(changed.severity).toBe(expected);
    expect(changed.timeline).toHaveLength(3);
    expect(changed.timeline.at(-1)?.summary).toMatch(
      expected === to ? /severity P2 -> P[13]: because/ : /kept P2: x suggested P3/,
    );
  });

  it('setting the same severity changes nothing', () => {
    const i = fresh();
    expect(changeSeverity(i, 'P2', human, 'same', minutes(1))).toBe(i);
  });
});

describe('alarm signals on an incident', () => {
  it.each<[string, (i: Incident) => Incident, AlarmSignal, string, Status]>([
    ['a redelivered ALARM is a duplicate', (i) => i, signal('ALARM', t0), 'duplicate', 'DETECTED'],
    ['an older ALARM is a duplicate', (i) => i, signal('ALARM', minutes(-5)), 'duplicate', 'DETECTED'],
    ['a newer ALARM joins the open incident', (i) => i, signal('ALARM', minutes(5)), 'duplicate', 'DETECTED'],
    ['OK resolves', (i) => i, signal('OK', minutes(5)), 'resolved', 'RESOLVED'],
    ['an OK older than the ALARM is stale', (i) => i, signal('OK', minutes(-1)), 'ignored', 'DETECTED'],
    [
      'ALARM within the window reopens',
      (i) => applySignal(i, signal('OK', minutes(5)), policy, minutes(5)).incident as Incident,
      signal('ALARM', minutes(20)),
      'reopened',
      'DETECTED',
    ],
  ])('%s', (_, prepare, s, outcome, status) => {
    const result = applySignal(prepare(fresh()), s, policy, minutes(30));
    expect(result.outcome).toBe(outcome);
    expect((result.incident ?? fresh()).status).toBe(status);
  });

  it('an OK with resolveOnOk off is recorded and leaves the incident open', () => {
    const r = applySignal(fresh(), signal('OK', minutes(5)), { ...policy, resolveOnOk: false }, minutes(5));
    expect(r.outcome).toBe('updated');
    expect(r.incident?.status).toBe('DETECTED');
    expect(r.incident?.lastOkAt).toBe(minutes(5).toISOString());
  });

  it.each<[number, boolean]>([
    [29, true],
    [30, true],
    [31, false],
  ])('resolved, then ALARM %d min later: accepted=%s (window 30)', (after, accepted) => {
    const resolved = moveTo(fresh(), 'RESOLVED', human, minutes(10));
    expect(acceptsAlarm(resolved, signal('ALARM', minutes(10 + after)), policy)).toBe(accepted);
  });

  it('a CLOSED incident never takes an ALARM', () => {
    const closed = moveTo(moveTo(fresh(), 'RESOLVED', human, minutes(10)), 'CLOSED', human, minutes(11));
    expect(acceptsAlarm(closed, signal('ALARM', minutes(12)), policy)).toBe(false);
  });
});
