import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { TABLE_KEYS } from '../../../lambdas/adapters/incident-store';
import { type Incident, moveTo, openIncident } from '../../../lambdas/domain/incident';
import type { Silence } from '../../../lambdas/domain/silences';
import { useLocalDynamo } from '../../support/local-dynamo';

const dynamo = useLocalDynamo();
let counter = 0;

/** Each test gets its own service name, so tests share one server without sharing silences. */
const freshService = () => `svc-${++counter}`;

const now = new Date('2026-11-23T10:00:00.000Z');
const silence = (service: string, id: string, until: string, from = '2026-11-23T09:00:00.000Z'): Silence => ({
  service,
  id,
  from,
  until,
  reason: `maintenance ${id}`,
  by: 'alice',
});

describe('silences', () => {
  it('lists the running silences of one service, soonest end first', async () => {
    const svc = freshService();
    const later = silence(svc, 'b', '2026-11-23T14:00:00.000Z');
    const sooner = silence(svc, 'a', '2026-11-23T11:00:00.000Z');
    await dynamo.store.putSilence(later);
    await dynamo.store.putSilence(sooner);
    await dynamo.store.putSilence(silence(freshService(), 'other', '2026-11-23T14:00:00.000Z'));
    expect(await dynamo.store.listSilences(svc, now)).toEqual([sooner, later]);
  });

  it('a silence ending exactly now is over; one ending a millisecond later is not', async () => {
    const svc = freshService();
    const endsNow = silence(svc, 'now', '2026-11-23T10:00:00.000Z');
    const endsNext = silence(svc, 'next', '2026-11-23T10:00:00.001Z');
    const ended = silence(svc, 'old', '2026-11-23T09:30:00.000Z');
    for (const s of [endsNow, endsNext, ended]) await dynamo.store.putSilence(s);
    expect(await dynamo.store.listSilences(svc, now)).toEqual([endsNext]);
  });

  it('does not mistake the service action log, in the same partition, for a silence', async () => {
    const svc = freshService();
    await dynamo.store.putServiceActions(await dynamo.store.getServiceActions(svc), [
      { at: now.toISOString(), incidentId: 'INC-20261123-001', playbook: 'restart' },
    ]);
    expect(await dynamo.store.listSilences(svc, now)).toEqual([]);
  });

  it('stores the item so DynamoDB removes it a day after it ends', async () => {
    const svc = freshService();
    const s = silence(svc, 'ttl', '2026-11-23T12:00:00.000Z');
    await dynamo.store.putSilence(s);
    const { Item } = await dynamo.doc.send(
      new GetCommand({
        TableName: dynamo.tableName,
        Key: { pk: `SERVICE#${svc}`, sk: 'SILENCE#2026-11-23T12:00:00.000Z#ttl' },
      }),
    );
    expect(Item).toMatchObject({ type: 'silence', ...s });
    expect(Item?.[TABLE_KEYS.ttl]).toBe(Date.parse('2026-11-24T12:00:00.000Z') / 1000);
  });

  it('endSilences ends the running ones at now, says how many, and leaves others alone', async () => {
    const svc = freshService();
    const other = freshService();
    await dynamo.store.putSilence(silence(svc, 'a', '2026-11-23T11:00:00.000Z'));
    await dynamo.store.putSilence(silence(svc, 'b', '2026-11-23T15:00:00.000Z'));
    await dynamo.store.putSilence(silence(svc, 'past', '2026-11-23T09:30:00.000Z'));
    await dynamo.store.putSilence(silence(other, 'c', '2026-11-23T15:00:00.000Z'));

    expect(await dynamo.store.endSilences(svc, now, 'bob')).toBe(2);
    expect(await dynamo.store.listSilences(svc, now)).toEqual([]);
    expect(await dynamo.store.listSilences(svc, new Date('2026-11-23T09:59:59.999Z'))).toEqual([
      { ...silence(svc, 'a', '2026-11-23T10:00:00.000Z') },
      { ...silence(svc, 'b', '2026-11-23T10:00:00.000Z') },
    ]);
    expect(await dynamo.store.listSilences(other, now)).toHaveLength(1);
    expect(await dynamo.store.endSilences(svc, now, 'bob')).toBe(0);
  });

  it('two concurrent lifts end each silence once', async () => {
    const svc = freshService();
    for (const id of ['a', 'b', 'c'])
      await dynamo.store.putSilence(silence(svc, id, '2026-11-23T12:00:00.000Z'));
    const counts = await Promise.all([
      dynamo.store.endSilences(svc, now, 'bob'),
      dynamo.store.endSilences(svc, now, 'carol'),
    ]);
    expect(counts[0] + counts[1]).toBe(3);
    expect(await dynamo.store.listSilences(svc, now)).toEqual([]);
  });
});

describe('listCreatedSince', () => {
  const incident = (id: string, createdAt: string, service = 'reports-svc'): Incident =>
    openIncident({
      id,
      dedupKey: `service=${service}|alarm=${id}`,
      signal: { alarmName: `${service}-errors`, state: 'ALARM', at: createdAt, service },
      severity: 'P3',
      severityReason: 'configured P3',
      title: `${service}: errors`,
      now: new Date(createdAt),
    });

  it('returns incidents of every status created at or after since, newest first', async () => {
    const alarm = { type: 'alarm', name: 'reports-svc-errors' } as const;
    const old = incident('INC-20260101-001', '2026-01-01T10:00:00.000Z');
    const atSince = incident('INC-20260201-001', '2026-02-01T00:00:00.000Z');
    const open = incident('INC-20260203-001', '2026-02-03T10:00:00.000Z');
    const resolved = moveTo(
      incident('INC-20260202-001', '2026-02-02T10:00:00.000Z'),
      'RESOLVED',
      alarm,
      new Date('2026-02-02T10:20:00.000Z'),
    );
    const closed = moveTo(
      moveTo(
        incident('INC-20260204-001', '2026-02-04T10:00:00.000Z'),
        'RESOLVED',
        alarm,
        new Date('2026-02-04T10:05:00.000Z'),
      ),
      'CLOSED',
      alarm,
      new Date('2026-02-05T10:00:00.000Z'),
    );
    for (const i of [old, atSince, open, resolved, closed])
      expect(await dynamo.store.putNewIncident(i)).toBe(true);
    await dynamo.store.putSilence(silence('reports-svc', 'not-an-incident', '2026-02-10T00:00:00.000Z'));

    const listed = await dynamo.store.listCreatedSince(new Date('2026-02-01T00:00:00.000Z'));
    expect(listed.map((i) => [i.id, i.status])).toEqual([
      ['INC-20260204-001', 'CLOSED'],
      ['INC-20260203-001', 'DETECTED'],
      ['INC-20260202-001', 'RESOLVED'],
      ['INC-20260201-001', 'DETECTED'],
    ]);
    expect(listed[2]).toEqual({ ...resolved, version: 1 });
  });
});
