import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { TABLE_KEYS } from '../../../lambdas/adapters/incident-store';
import { OverrideStore } from '../../../lambdas/adapters/oncall-overrides';
import type { OncallOverride } from '../../../lambdas/contract/config-schema-oncall';
import { ValidationError } from '../../../lambdas/domain/errors';
import { useLocalDynamo } from '../../support/local-dynamo';

const dynamo = useLocalDynamo();
let counter = 0;

/** Each test gets its own schedule name, so tests share one server without sharing overrides. */
const freshSchedule = () => `sched-${++counter}`;
const store = () => new OverrideStore(dynamo.doc, dynamo.tableName);

const override = (schedule: string, id: string, to: string, fields: Partial<OncallOverride> = {}) =>
  ({
    id,
    schedule,
    kind: 'replace',
    person: 'bob-ortiz',
    replaces: 'alice-ng',
    from: '2026-12-03T14:00:00.000Z',
    to,
    reason: `dentist ${id}`,
    by: 'alice-ng',
    createdAt: '2026-12-01T10:00:00.000Z',
    ...fields,
  }) satisfies OncallOverride;

const after = new Date('2026-12-03T18:00:00.000Z');

describe('OverrideStore', () => {
  it('overridesInForce: the overrides of the schedules ending after the instant, not other schedules', async () => {
    const app = freshSchedule();
    const db = freshSchedule();
    const later = override(app, 'later', '2026-12-04T22:00:00.000Z');
    const sooner = override(app, 'sooner', '2026-12-03T22:00:00.000Z');
    const ofDb = override(db, 'db', '2026-12-03T20:00:00.000Z', { kind: 'add', replaces: undefined });
    for (const o of [later, sooner, ofDb, override(freshSchedule(), 'other', '2026-12-04T22:00:00.000Z')]) {
      expect(await store().add(o)).toEqual({ override: o, created: true });
    }
    expect(await store().overridesInForce([app], after)).toEqual([sooner, later]);
    expect(await store().overridesInForce([app, db], after)).toEqual([sooner, later, ofDb]);
    expect(await store().overridesInForce([], after)).toEqual([]);
  });

  it('an override ending exactly at the instant is out; one ending a millisecond later is in', async () => {
    const app = freshSchedule();
    const endsAt = override(app, 'at', after.toISOString());
    const endsNext = override(app, 'next', '2026-12-03T18:00:00.001Z');
    const ended = override(app, 'ended', '2026-12-03T17:00:00.000Z');
    for (const o of [endsAt, endsNext, ended]) await store().add(o);
    expect(await store().overridesInForce([app], after)).toEqual([endsNext]);
  });

  it('keys the item by schedule and end, and lets TTL remove it 7 days after it ends', async () => {
    const app = freshSchedule();
    const o = override(app, 'ttl', '2026-12-03T22:00:00.000Z');
    await store().add(o);
    const { Item } = await dynamo.doc.send(
      new GetCommand({
        TableName: dynamo.tableName,
        Key: { pk: `SCHEDULE#${app}`, sk: 'OVERRIDE#2026-12-03T22:00:00.000Z#ttl' },
      }),
    );
    expect(Item).toMatchObject({ type: 'oncall-override', ...o });
    expect(Item?.[TABLE_KEYS.ttl]).toBe(Date.parse('2026-12-10T22:00:00.000Z') / 1000);
  });

  describe('idempotency token', () => {
    it('a retry with the same token and fields returns the stored override and stores no second one', async () => {
      const app = freshSchedule();
      const first = override(app, 'first', '2026-12-03T22:00:00.000Z');
      expect(await store().add(first, 'tok-1')).toEqual({ override: first, created: true });
      const retry = { ...first, id: 'second-try', createdAt: '2026-12-01T10:00:05.000Z' };
      expect(await store().add(retry, 'tok-1')).toEqual({ override: first, created: false });
      expect(await store().add({ ...retry, to: '2026-12-03T17:00:00-05:00' }, 'tok-1')).toEqual({
        override: first,
        created: false,
      });
      expect(await store().list(app)).toEqual([first]);
      const { Item } = await dynamo.doc.send(
        new GetCommand({ TableName: dynamo.tableName, Key: { pk: 'OVERRIDE-TOKEN#tok-1', sk: 'TOKEN' } }),
      );
      expect(Item).toMatchObject({ override: first });
      expect(Item?.[TABLE_KEYS.ttl]).toBe(Date.parse('2026-12-10T22:00:00.000Z') / 1000);
    });

    it('the same token with other fields is an error naming the token and the fields', async () => {
      const app = freshSchedule();
      const first = override(app, 'first', '2026-12-03T22:00:00.000Z');
      await store().add(first, 'tok-2');
      const other = { ...first, id: 'other', person: 'dan-kim', to: '2026-12-03T23:00:00.000Z' };
      const error = await store()
        .add(other, 'tok-2')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems).toEqual([
        {
          path: 'token',
          message:
            'token "tok-2" was used for override first, whose person, to differ: a new override needs a new token',
        },
      ]);
      expect(await store().list(app)).toEqual([first]);
    });

    it('a retry after a crash between the token and the override stores the override', async () => {
      const app = freshSchedule();
      const first = override(app, 'crashed', '2026-12-03T22:00:00.000Z');
      const real = dynamo.doc.send.bind(dynamo.doc);
      let puts = 0;
      const send = vi.spyOn(dynamo.doc, 'send').mockImplementation(((command: unknown) => {
        if (
          (command as { constructor: { name: string } }).constructor.name === 'PutCommand' &&
          ++puts === 2
        ) {
          return Promise.reject(new Error('the Lambda timed out'));
        }
        return real(command as never);
      }) as never);
      await expect(store().add(first, 'tok-3')).rejects.toThrow('the Lambda timed out');
      send.mockRestore();
      expect(await store().list(app)).toEqual([]);
      expect(await store().add({ ...first, id: 'retry' }, 'tok-3')).toEqual({
        override: first,
        created: false,
      });
      expect(await store().overridesInForce([app], after)).toEqual([first]);
    });
  });

  it('reads every page of a schedule whose overrides exceed one Query page (1 MB)', async () => {
    const app = freshSchedule();
    const big = (i: number) =>
      override(app, `big-${i}`, `2026-12-0${4 + i}T22:00:00.000Z`, { reason: `${i}`.repeat(300_000) });
    for (let i = 0; i < 5; i++) await store().add(big(i));
    const queries = vi.spyOn(dynamo.doc, 'send');
    const found = await store().overridesInForce([app], after);
    const sent = queries.mock.calls.filter(([c]) => c instanceof QueryCommand).length;
    queries.mockRestore();
    expect(found.map((o) => o.id)).toEqual(['big-0', 'big-1', 'big-2', 'big-3', 'big-4']);
    expect(sent).toBeGreaterThan(1);
    expect((await store().list(app)).length).toBe(5);
  });

  describe('remove (soft delete)', () => {
    it('stamps deletedAt and deletedBy; the override no longer applies but stays on the record', async () => {
      const app = freshSchedule();
      const kept = override(app, 'kept', '2026-12-03T22:00:00.000Z');
      const gone = override(app, 'gone', '2026-12-04T22:00:00.000Z');
      await store().add(kept);
      await store().add(gone);
      const now = new Date('2026-12-02T09:00:00.000Z');
      const deleted = { ...gone, deletedAt: now.toISOString(), deletedBy: 'carol-diaz' };
      expect(await store().remove(app, 'gone', 'carol-diaz', now)).toEqual(deleted);
      expect(await store().overridesInForce([app], after)).toEqual([kept]);
      expect(await store().list(app)).toEqual([kept, deleted]);
      expect(await store().list(app, new Date('2026-12-03T22:00:00.000Z'))).toEqual([deleted]);
      // A second delete keeps the first stamp.
      expect(await store().remove(app, 'gone', 'dan-kim', new Date('2026-12-02T10:00:00.000Z'))).toEqual(
        deleted,
      );
    });

    it('an id the schedule does not hold is undefined, and writes nothing', async () => {
      const app = freshSchedule();
      const o = override(app, 'mine', '2026-12-03T22:00:00.000Z');
      await store().add(o);
      expect(await store().remove(app, 'nope', 'carol-diaz', after)).toBeUndefined();
      expect(await store().remove(freshSchedule(), 'mine', 'carol-diaz', after)).toBeUndefined();
      expect(await store().list(app)).toEqual([o]);
    });
  });
});
