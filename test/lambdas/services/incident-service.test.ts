import { beforeEach, describe, expect, it } from 'vitest';
import { IncidentStore } from '../../../lambdas/adapters/incident-store';
import {
  type AlarmSignal,
  acknowledge,
  appendEntries,
  type Incident,
  moveTo,
} from '../../../lambdas/domain/incident';
import { type AlarmToRecord, IncidentService } from '../../../lambdas/services/incident-service';
import { useLocalDynamo } from '../../support/local-dynamo';

const dynamo = useLocalDynamo();
let now: Date;
const clock = () => now;
let service: IncidentService;
let counter = 0;

const options = { dedupFields: ['service', 'alarm'] as const, reopenWindowMinutes: 30, resolveOnOk: true };

beforeEach(() => {
  now = new Date('2026-11-23T10:00:00.000Z');
  service = new IncidentService(dynamo.store, options, clock);
});

/** Each test gets its own service name, so tests share one server without sharing incidents. */
const freshService = () => `svc-${++counter}`;

const alarm = (
  svc: string,
  state: 'ALARM' | 'OK',
  at: string,
  alarmName = `${svc}-error-rate`,
): AlarmToRecord => ({
  signal: { alarmName, state, at, service: svc } satisfies AlarmSignal,
  severity: 'P2',
  severityReason: 'configured P2',
  title: `${svc}: error rate high`,
});

describe('one open incident per dedup key', () => {
  it('50 concurrent creations for one key make exactly 1 incident and 49 duplicates', async () => {
    const svc = freshService();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        service.recordAlarm(alarm(svc, 'ALARM', `2026-11-23T09:59:${String(i).padStart(2, '0')}.000Z`)),
      ),
    );
    const opened = results.filter((r) => r.outcome === 'opened');
    const duplicates = results.filter((r) => r.outcome === 'duplicate');
    expect(opened).toHaveLength(1);
    expect(duplicates).toHaveLength(49);
    const id = opened[0]?.incidentId;
    expect(new Set(results.map((r) => r.incidentId))).toEqual(new Set([id]));
    const open = await dynamo.store.listOpen(svc);
    expect(open.map((i) => i.id)).toEqual([id]);
    expect(await dynamo.store.listPendingCreations()).toEqual([]);
  });

  it('a redelivered event (same state-change time) writes nothing', async () => {
    const svc = freshService();
    const first = await service.recordAlarm(alarm(svc, 'ALARM', '2026-11-23T09:58:00.000Z'));
    const again = await service.recordAlarm(alarm(svc, 'ALARM', '2026-11-23T09:58:00.000Z'));
    expect(again).toMatchObject({ outcome: 'duplicate', incidentId: first.incidentId });
    const stored = await dynamo.store.getIncident(first.incidentId ?? '');
    expect(stored?.version).toBe(1);
  });

  it('two alarms on one service are two incidents; the same alarm on two services too', async () => {
    const svc = freshService();
    const a = await service.recordAlarm(alarm(svc, 'ALARM', '2026-11-23T09:58:00.000Z', `${svc}-error-rate`));
    const b = await service.recordAlarm(
      alarm(svc, 'ALARM', '2026-11-23T09:58:00.000Z', `${svc}-p95-latency`),
    );
    expect(a.outcome).toBe('opened');
    expect(b.outcome).toBe('opened');
    expect(a.incidentId).not.toBe(b.incidentId);
  });

  it('ids read INC-YYYYMMDD-NNN and count up within the UTC day', async () => {
    const svc = freshService();
    const a = await service.recordAlarm(alarm(svc, 'ALARM', '2026-11-23T09:58:00.000Z', `${svc}-a`));
    const b = await service.recordAlarm(alarm(svc, 'ALARM', '2026-11-23T09:58:00.000Z', `${svc}-b`));
    expect(a.incidentId).toMatch(/^INC-20261123-\d{3,}$/);
    const seq = (id?: string) => Number(id?.split('-')[2]);
    expect(seq(b.incidentId)).toBeGreaterThan(seq(a.incidentId));
  });
});

describe('versioned updates', () => {
  it('20 concurrent updates of one incident lose nothing: version 21, all 20 entries', async () => {
    const svc = freshService();
    const { incidentId } = await service.recordAlarm(alarm(svc, 'ALARM', '2026-11-23T09:58:00.000Z'));
    const id = incidentId ?? '';
    const before = await dynamo.store.getIncident(id);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        service.update(id, (incident, at) =>
          appendEntries(incident, at, {
            kind: 'note',
            actor: { type: 'human', name: `responder-${i}` },
            summary: `note ${i}`,
          }),
        ),
      ),
    );
    const after = (await dynamo.store.getIncident(id)) as Incident;
    expect(before?.version).toBe(1);
    expect(after.version).toBe(21);
    const notes = after.timeline.filter((e) => e.kind === 'note').map((e) => e.summary);
    expect(notes.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `note ${i}`).sort());
    expect(after.timeline.map((e) => e.seq)).toEqual(after.timeline.map((_, i) => i + 1));
  });

  it('acknowledge racing resolve ends consistent, with both on the timeline', async () => {
    const svc = freshService();
    const { incidentId } = await service.recordAlarm(alarm(svc, 'ALARM', '2026-11-23T09:58:00.000Z'));
    const id = incidentId ?? '';
    const outcomes = await Promise.allSettled([
      service.update(id, (i, at) => acknowledge(i, { type: 'human', name: 'alice' }, at)),
      service.update(id, (i, at) => moveTo(i, 'RESOLVED', { type: 'human', name: 'bob' }, at, 'fixed')),
    ]);
    const final = (await dynamo.store.getIncident(id)) as Incident;
    expect(final.status).toBe('RESOLVED');
    expect(final.timeline.some((e) => e.kind === 'status' && e.actor.name === 'bob')).toBe(true);
    // Either alice acknowledged first (both recorded) or the incident was resolved first and her
    // acknowledgement was refused with a clear error: never a lost write.
    const ack = outcomes[0];
    if (ack.status === 'fulfilled') {
      expect(final.acknowledgedBy).toBe('alice');
    } else {
      expect(String(ack.reason)).toMatch(/only an open incident can be acknowledged/);
    }
  });
});

describe('order and repetition of alarm states', () => {
  it('OK arriving before its ALARM: one incident, resolved, with the order on the timeline', async () => {
    const svc = freshService();
    const ok = await service.recordAlarm(alarm(svc, 'OK', '2026-11-23T09:59:00.000Z'));
    expect(ok.outcome).toBe('ignored');
    const late = await service.recordAlarm(alarm(svc, 'ALARM', '2026-11-23T09:55:00.000Z'));
    expect(late.outcome).toBe('opened');
    const incident = (await dynamo.store.getIncident(late.incidentId ?? '')) as Incident;
    expect(incident.status).toBe('RESOLVED');
    expect(incident.timeline.map((e) => e.summary).join('\n')).toMatch(/delivered before this ALARM/);
    expect(await dynamo.store.listOpen(svc)).toEqual([]);
    // A redelivery of either event changes nothing.
    expect((await service.recordAlarm(alarm(svc, 'ALARM', '2026-11-23T09:55:00.000Z'))).outcome).toBe(
      'duplicate',
    );
    expect((await service.recordAlarm(alarm(svc, 'OK', '2026-11-23T09:59:00.000Z'))).outcome).toBe('ignored');
  });

  it('ALARM -> OK -> ALARM within the reopen window is one incident, reopened', async () => {
    const svc = freshService();
    const first = await service.recordAlarm(alarm(svc, 'ALARM', '2026-11-23T09:50:00.000Z'));
    now = new Date('2026-11-23T10:00:00.000Z');
    const ok = await service.recordAlarm(alarm(svc, 'OK', '2026-11-23T10:00:00.000Z'));
    expect(ok).toMatchObject({ outcome: 'resolved', incidentId: first.incidentId });
    now = new Date('2026-11-23T10:20:00.000Z');
    const again = await service.recordAlarm(alarm(svc, 'ALARM', '2026-11-23T10:20:00.000Z'));
    expect(again).toMatchObject({ outcome: 'reopened', incidentId: first.incidentId });
    const incident = (await dynamo.store.getIncident(first.incidentId ?? '')) as Incident;
    expect(incident).toMatchObject({ status: 'DETECTED', reopenCount: 1 });
    expect(incident.statusTimestamps.RESOLVED).toBe('2026-11-23T10:00:00.000Z');
    expect(incident.timeline.map((e) => e.kind)).toContain('reopened');
  });

  it('an ALARM after the reopen window opens a new incident', async () => {
    const svc = freshService();
    const first = await service.recordAlarm(alarm(svc, 'ALARM', '2026-11-23T09:00:00.000Z'));
    now = new Date('2026-11-23T09:10:00.000Z');
    await service.recordAlarm(alarm(svc, 'OK', '2026-11-23T09:10:00.000Z'));
    now = new Date('2026-11-23T10:00:00.000Z');
    const second = await service.recordAlarm(alarm(svc, 'ALARM', '2026-11-23T10:00:00.000Z'));
    expect(second.outcome).toBe('opened');
    expect(second.incidentId).not.toBe(first.incidentId);
  });

  it('a late ALARM older than the OK that resolved the incident does not reopen it', async () => {
    const svc = freshService();
    const first = await service.recordAlarm(alarm(svc, 'ALARM', '2026-11-23T09:50:00.000Z'));
    await service.recordAlarm(alarm(svc, 'OK', '2026-11-23T09:58:00.000Z'));
    const stale = await service.recordAlarm(alarm(svc, 'ALARM', '2026-11-23T09:54:00.000Z'));
    expect(stale).toMatchObject({ outcome: 'duplicate', incidentId: first.incidentId });
    expect((await dynamo.store.getIncident(first.incidentId ?? ''))?.status).toBe('RESOLVED');
  });

  it('rejects a signal whose time is not a timestamp, recording nothing', async () => {
    const svc = freshService();
    await expect(service.recordAlarm(alarm(svc, 'ALARM', 'yesterday-ish'))).rejects.toThrow(
      /at: not a timestamp: "yesterday-ish"/,
    );
    expect(await dynamo.store.listOpen(svc)).toEqual([]);
  });

  it('takes CloudWatch time format (+0000) and stores canonical ISO-8601', async () => {
    const svc = freshService();
    const r = await service.recordAlarm(alarm(svc, 'ALARM', '2026-11-23T09:43:27.123+0000'));
    expect(r.incident?.lastAlarmAt).toBe('2026-11-23T09:43:27.123Z');
  });
});

describe('a crash between the writes of a creation', () => {
  class CrashingStore extends IncidentStore {
    crashes = 1;
    override async putNewIncident(incident: Incident): Promise<boolean> {
      if (this.crashes-- > 0) throw new Error('injected crash: process died after claiming the dedup key');
      return super.putNewIncident(incident);
    }
  }

  /** A new service whose first ALARM crashed after claiming its dedup key, and was not retried. */
  const crashedMidCreation = async (): Promise<string> => {
    const svc = freshService();
    const crashing = new CrashingStore(dynamo.doc, dynamo.tableName);
    await expect(
      new IncidentService(crashing, options, clock).recordAlarm(
        alarm(svc, 'ALARM', '2026-11-23T09:58:00.000Z'),
      ),
    ).rejects.toThrow();
    return svc;
  };

  it('the retry yields one whole incident', async () => {
    const svc = freshService();
    const crashing = new CrashingStore(dynamo.doc, dynamo.tableName);
    const crashingService = new IncidentService(crashing, options, clock);
    const event = alarm(svc, 'ALARM', '2026-11-23T09:58:00.000Z');
    await expect(crashingService.recordAlarm(event)).rejects.toThrow(/injected crash/);
    expect(await dynamo.store.listOpen(svc)).toEqual([]);

    const retry = await crashingService.recordAlarm(event);
    expect(retry).toMatchObject({ outcome: 'opened', repaired: true });
    const incident = (await dynamo.store.getIncident(retry.incidentId ?? '')) as Incident;
    expect(incident).toMatchObject({ status: 'DETECTED', version: 1, service: svc });
    expect(incident.timeline.map((e) => e.kind)).toEqual(['detected', 'severity']);
    expect(await dynamo.store.listOpen(svc)).toHaveLength(1);
    expect((await dynamo.store.listPendingCreations()).filter((p) => p.draft?.service === svc)).toEqual([]);
  });

  it('with no retry, the sweeper finishes it; a second sweep finds nothing', async () => {
    const svc = await crashedMidCreation();
    const repaired = await service.repairPendingCreations();
    expect(repaired).toHaveLength(1);
    expect(await dynamo.store.listOpen(svc)).toHaveLength(1);
    expect(await service.repairPendingCreations()).toEqual([]);
  });

  it('a different event for the key after the crash also repairs, then joins', async () => {
    const svc = await crashedMidCreation();
    const next = await service.recordAlarm(alarm(svc, 'ALARM', '2026-11-23T09:59:00.000Z'));
    expect(next).toMatchObject({ outcome: 'duplicate', repaired: true });
    expect(await dynamo.store.listOpen(svc)).toHaveLength(1);
  });
});

describe('queries', () => {
  it('open incidents by service, all open incidents, recent incidents', async () => {
    const svc = freshService();
    const a = await service.recordAlarm(alarm(svc, 'ALARM', '2026-11-23T09:58:00.000Z', `${svc}-a`));
    now = new Date('2026-11-23T10:01:00.000Z');
    const b = await service.recordAlarm(alarm(svc, 'ALARM', '2026-11-23T10:01:00.000Z', `${svc}-b`));
    await service.recordAlarm(alarm(svc, 'OK', '2026-11-23T10:02:00.000Z', `${svc}-a`));
    expect((await dynamo.store.listOpen(svc)).map((i) => i.id)).toEqual([b.incidentId]);
    const allOpen = await dynamo.store.listOpen();
    expect(allOpen.map((i) => i.id)).toContain(b.incidentId);
    expect(allOpen.map((i) => i.id)).not.toContain(a.incidentId);
    const recent = await dynamo.store.listRecent(2);
    expect(recent.map((i) => i.id)).toEqual([b.incidentId, a.incidentId]);
  });
});
