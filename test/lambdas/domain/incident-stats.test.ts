import { describe, expect, it } from 'vitest';
import {
  type Actor,
  acknowledge,
  advance,
  appendEntries,
  applySignal,
  endSuppression,
  type Incident,
  moveTo,
  openIncident,
  suppress,
} from '../../../lambdas/domain/incident';
import { incidentTimings, summarizeIncidents } from '../../../lambdas/domain/incident-stats';
import type { Severity } from '../../../lambdas/domain/severity';

const since = new Date('2026-11-02T00:00:00.000Z');
const until = new Date('2026-11-09T00:00:00.000Z');
const HOUR = 3_600_000;
const policy = { reopenWindowMinutes: 30, resolveOnOk: true };
const alice: Actor = { type: 'human', name: 'alice' };
const automation: Actor = { type: 'automation', name: 'automation' };

/** An incident opened `hour` hours into the window; `at(m)` is `m` minutes after its detection. */
const open = (id: string, service: string, severity: Severity, hour: number) => {
  const start = since.getTime() + hour * HOUR;
  const at = (minutes: number) => new Date(start + minutes * 60_000);
  const incident = openIncident({
    id,
    dedupKey: `service=${service}|alarm=${service}-errors`,
    signal: { alarmName: `${service}-errors`, state: 'ALARM', at: at(0).toISOString(), service },
    severity,
    severityReason: `configured ${severity}`,
    title: `${service}: errors`,
    now: at(0),
  });
  return { incident, at };
};

const ok = (i: Incident, at: Date) => {
  const result = applySignal(
    i,
    { alarmName: i.alarmName, state: 'OK', at: at.toISOString(), service: i.service },
    policy,
    at,
  );
  if (!result.incident) throw new Error(result.reason);
  return result.incident;
};

const executed = (i: Incident, at: Date) =>
  advance(
    appendEntries(i, at, {
      kind: 'action',
      actor: automation,
      summary: 'started: roll back checkout to checkout:41',
      details: { playbook: 'rollback', executed: true },
    }),
    'MITIGATING',
    automation,
    at,
  );

const dryRun = (i: Incident, at: Date) =>
  appendEntries(i, at, {
    kind: 'action',
    actor: automation,
    summary: 'decision: dry-run restart: dry run: would force a new deployment (restart)',
    details: { verdict: 'dry-run', playbook: 'restart' },
  });

const approved = (i: Incident, at: Date) =>
  appendEntries(i, at, { kind: 'note', actor: { type: 'human', name: 'bob' }, summary: 'approved by bob' });

const mitigateFailed = (i: Incident, at: Date) =>
  appendEntries(i, at, {
    kind: 'error',
    actor: { type: 'automation', name: 'workflow' },
    summary: 'Mitigate failed: AccessDeniedException',
    details: { step: 'Mitigate', error: 'AccessDeniedException' },
  });

const resolveBy = (i: Incident, who: Actor, at: Date) =>
  moveTo(i, 'RESOLVED', who, at, `resolved by ${who.name}`);

const silenced = {
  until: '2026-11-08T00:00:00.000Z',
  reason: 'load test',
  source: 'silence',
  by: 'carol',
} as const;

/** Thirteen incidents with hand-picked times (minutes after detection in the comments). */
const generated = (): Incident[] => {
  // P1 on checkout
  const a = open('INC-A', 'checkout', 'P1', 1); // ack 5, resolved by alice 30
  const b = open('INC-B', 'checkout', 'P1', 2); // ack 12, action 15, alarm OK 40
  const c = open('INC-C', 'checkout', 'P1', 3); // ack 7, alarm OK 20, no action
  // P2: one on checkout, three on payments
  const d = open('INC-D', 'checkout', 'P2', 4); // ack 3, approved 9, action 10, alarm OK 25
  const e = open('INC-E', 'payments', 'P2', 5); // no ack, dry run 4, alarm OK 16
  const f = open('INC-F', 'payments', 'P2', 6); // ack 9, still open
  const g = open('INC-G', 'payments', 'P2', 7); // ack 2, action 6 failed at 7, resolved by alice 50
  // P3 on search
  const h = open('INC-H', 'search', 'P3', 8); // ack 10, OK 20, reopened 35, OK again 60
  const i = open('INC-I', 'search', 'P3', 9); // ack 1, resolved by alice 4, closed 100
  // suppressed, in the window
  const j = open('INC-J', 'checkout', 'P2', 10); // silenced; ack 1, resolved 2
  const k = open('INC-K', 'checkout', 'P1', 11); // silenced, then the silence ended
  // outside the window: a day before, and exactly at its end
  const l = open('INC-L', 'checkout', 'P1', -24);
  const m = open('INC-M', 'checkout', 'P1', 7 * 24);

  const hReopened = applySignal(
    ok(acknowledge(h.incident, alice, h.at(10)), h.at(20)),
    { alarmName: 'search-errors', state: 'ALARM', at: h.at(35).toISOString(), service: 'search' },
    policy,
    h.at(35),
  ).incident;
  if (!hReopened) throw new Error('INC-H did not reopen');

  return [
    resolveBy(acknowledge(a.incident, alice, a.at(5)), alice, a.at(30)),
    ok(executed(acknowledge(b.incident, alice, b.at(12)), b.at(15)), b.at(40)),
    ok(acknowledge(c.incident, alice, c.at(7)), c.at(20)),
    ok(executed(approved(acknowledge(d.incident, alice, d.at(3)), d.at(9)), d.at(10)), d.at(25)),
    ok(dryRun(e.incident, e.at(4)), e.at(16)),
    advance(acknowledge(f.incident, alice, f.at(9)), 'INVESTIGATING', automation, f.at(11)),
    resolveBy(
      mitigateFailed(executed(acknowledge(g.incident, alice, g.at(2)), g.at(6)), g.at(7)),
      alice,
      g.at(50),
    ),
    ok(hReopened, h.at(60)),
    moveTo(resolveBy(acknowledge(i.incident, alice, i.at(1)), alice, i.at(4)), 'CLOSED', alice, i.at(100)),
    resolveBy(acknowledge(suppress(j.incident, silenced, j.at(0)), alice, j.at(1)), alice, j.at(2)),
    endSuppression(suppress(k.incident, silenced, k.at(0)), k.at(30)),
    resolveBy(acknowledge(l.incident, alice, l.at(1)), alice, l.at(2)),
    resolveBy(acknowledge(m.incident, alice, m.at(1)), alice, m.at(2)),
  ];
};

describe('incidentTimings', () => {
  it('measures from detection to the first acknowledgement, the first action that acted, and resolution', () => {
    const b = generated().find((x) => x.id === 'INC-B');
    expect(b && incidentTimings(b)).toEqual({
      detectedAt: '2026-11-02T02:00:00.000Z',
      acknowledgedAt: '2026-11-02T02:12:00.000Z',
      mitigatedAt: '2026-11-02T02:15:00.000Z',
      resolvedAt: '2026-11-02T02:40:00.000Z',
      timeToAcknowledgeMinutes: 12,
      timeToMitigateMinutes: 15,
      timeToResolveMinutes: 40,
      resolvedBy: 'automation',
    });
  });

  it('a reopened incident counts from its first detection to its final resolution', () => {
    const h = generated().find((x) => x.id === 'INC-H');
    if (!h) throw new Error('no INC-H');
    expect(h.statusTimestamps.DETECTED).toBe('2026-11-02T08:35:00.000Z');
    expect(incidentTimings(h)).toMatchObject({
      detectedAt: '2026-11-02T08:00:00.000Z',
      timeToResolveMinutes: 60,
      resolvedBy: 'on-its-own',
    });
  });

  it('a dry run, a refusal or a failed action is no mitigation', () => {
    const byId = new Map(generated().map((x) => [x.id, incidentTimings(x)]));
    expect(byId.get('INC-E')?.mitigatedAt).toBeUndefined();
    expect(byId.get('INC-E')?.resolvedBy).toBe('on-its-own');
    expect(byId.get('INC-G')?.mitigatedAt).toBeUndefined();
    expect(byId.get('INC-G')?.resolvedBy).toBe('human');
  });

  it('an automatic action a person approved counts as resolved by a human', () => {
    const d = generated().find((x) => x.id === 'INC-D');
    expect(d && incidentTimings(d)).toMatchObject({ timeToMitigateMinutes: 10, resolvedBy: 'human' });
  });

  it('an action a person recorded is a mitigation by a human', () => {
    const { incident, at } = open('INC-X', 'checkout', 'P2', 1);
    const acted = appendEntries(incident, at(8), {
      kind: 'action',
      actor: alice,
      summary: 'alice scaled checkout to 6 tasks',
    });
    const timings = incidentTimings(ok(acted, at(20)));
    expect(timings).toMatchObject({
      timeToMitigateMinutes: 8,
      timeToResolveMinutes: 20,
      resolvedBy: 'human',
    });
  });

  it('an open incident has no resolution and no resolver', () => {
    const f = generated().find((x) => x.id === 'INC-F');
    const timings = f && incidentTimings(f);
    expect(timings?.timeToAcknowledgeMinutes).toBe(9);
    expect(timings?.resolvedAt).toBeUndefined();
    expect(timings?.resolvedBy).toBeUndefined();
  });
});

describe('summarizeIncidents', () => {
  const stats = summarizeIncidents(generated(), { since, until });
  const of = (s: Severity) => stats.bySeverity.find((x) => x.severity === s);

  it('counts only incidents created in the window; suppressed ones apart', () => {
    expect(stats.since).toBe('2026-11-02T00:00:00.000Z');
    expect(stats.until).toBe('2026-11-09T00:00:00.000Z');
    expect(stats.total).toBe(9);
    expect(stats.suppressed).toBe(2);
    expect(stats.bySeverity.map((s) => s.severity)).toEqual(['P1', 'P2', 'P3', 'P4']);
    expect(stats.bySeverity.map((s) => s.count)).toEqual([3, 4, 2, 0]);
  });

  it('P1: means and medians computed by hand', () => {
    const p1 = of('P1');
    expect(p1?.acknowledged).toBe(3);
    expect(p1?.resolved).toBe(3);
    expect(p1?.mttaMinutes).toBeCloseTo((5 + 12 + 7) / 3, 9);
    expect(p1?.mttrMinutes).toBeCloseTo((30 + 40 + 20) / 3, 9);
    expect(p1?.mttmMinutes).toBeCloseTo(15, 9);
    expect(p1?.medianTtaMinutes).toBe(7);
    expect(p1?.medianTtrMinutes).toBe(30);
    expect(p1?.byResolver).toEqual({ automation: 1, human: 1, 'on-its-own': 1 });
  });

  it('P2: only the incidents with a value count towards each mean', () => {
    const p2 = of('P2');
    expect(p2?.acknowledged).toBe(3);
    expect(p2?.resolved).toBe(3);
    expect(p2?.mttaMinutes).toBeCloseTo((3 + 9 + 2) / 3, 9);
    expect(p2?.mttrMinutes).toBeCloseTo((25 + 16 + 50) / 3, 9);
    expect(p2?.mttmMinutes).toBeCloseTo(10, 9);
    expect(p2?.medianTtaMinutes).toBe(3);
    expect(p2?.medianTtrMinutes).toBe(25);
    expect(p2?.byResolver).toEqual({ automation: 0, human: 2, 'on-its-own': 1 });
  });

  it('P3: a reopened incident runs to its final resolution; a closed one keeps its resolution time', () => {
    const p3 = of('P3');
    expect(p3?.mttaMinutes).toBeCloseTo((10 + 1) / 2, 9);
    expect(p3?.mttrMinutes).toBeCloseTo((60 + 4) / 2, 9);
    expect(p3?.medianTtrMinutes).toBeCloseTo((4 + 60) / 2, 9);
    expect(p3?.mttmMinutes).toBeUndefined();
  });

  it('P4: no incidents, no means', () => {
    expect(of('P4')).toEqual({
      severity: 'P4',
      count: 0,
      acknowledged: 0,
      resolved: 0,
      byResolver: { automation: 0, human: 0, 'on-its-own': 0 },
    });
  });

  it('counts services, most incidents first', () => {
    expect(stats.byService).toEqual([
      { service: 'checkout', count: 4 },
      { service: 'payments', count: 3 },
      { service: 'search', count: 2 },
    ]);
  });

  it('a suppressed incident would otherwise change the P2 mean', () => {
    const unsuppressed = generated().map((x) =>
      x.id === 'INC-J'
        ? { ...x, suppressed: undefined, timeline: x.timeline.filter((e) => e.actor.name !== 'silences') }
        : x,
    );
    const p2 = summarizeIncidents(unsuppressed, { since, until }).bySeverity[1];
    expect(p2?.count).toBe(5);
    expect(p2?.mttaMinutes).toBeCloseTo((3 + 9 + 2 + 1) / 4, 9);
  });
});
