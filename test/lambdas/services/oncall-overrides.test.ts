import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { OverrideStore } from '../../../lambdas/adapters/oncall-overrides';
import { parseConfig } from '../../../lambdas/contract/config';
import type { OncallOverride } from '../../../lambdas/contract/config-schema-oncall';
import { ValidationError } from '../../../lambdas/domain/errors';
import {
  addOverride,
  deleteOverride,
  listOverrides,
  type OverrideDeps,
} from '../../../lambdas/services/oncall-overrides';
import { useLocalDynamo } from '../../support/local-dynamo';

const dynamo = useLocalDynamo({ perTest: true });

/** The example config with a second schedule, db, so listing covers more than one. */
const oncall = () => {
  const input = JSON.parse(readFileSync('config/example.json', 'utf8'));
  input.oncall.schedules.db = input.oncall.schedules.app;
  const setup = parseConfig(input, 'example').oncall;
  if (setup === undefined) throw new Error('the example config has an oncall section');
  return setup;
};

const now = new Date('2026-12-03T12:00:00.000Z');
let deps: OverrideDeps;
beforeEach(() => {
  deps = { store: new OverrideStore(dynamo.doc, dynamo.tableName), oncall: oncall(), clock: () => now };
});

const override = (fields: Partial<OncallOverride> = {}): OncallOverride => ({
  id: 'o-1',
  schedule: 'app',
  kind: 'add',
  person: 'carol-diaz',
  from: '2026-12-03T14:00:00.000Z',
  to: '2026-12-03T22:00:00.000Z',
  reason: 'shadowing',
  by: 'alice-ng',
  createdAt: '2026-12-03T11:00:00.000Z',
  ...fields,
});

const problemsOf = (run: () => Promise<unknown>) =>
  run().then(
    () => [],
    (error: unknown) => {
      expect(error).toBeInstanceOf(ValidationError);
      return (error as ValidationError).problems;
    },
  );

describe('addOverride', () => {
  it('stores the instants as UTC ISO, whatever offset they were given in', async () => {
    const added = await addOverride(
      deps,
      override({ from: '2026-12-03T09:00:00-05:00', to: '2026-12-03T17:00:00.000-05:00' }),
    );
    const utc = override();
    expect(added).toEqual({ override: utc, created: true });
    expect(await deps.store.overridesInForce(['app'], now)).toEqual([utc]);
  });

  it('names every field the config does not know: schedule, person, replaces', async () => {
    const problems = await problemsOf(() =>
      addOverride(deps, override({ schedule: 'web', kind: 'replace', person: 'zed', replaces: 'yan' })),
    );
    expect(problems).toEqual([
      { path: 'schedule', message: 'unknown schedule "web": oncall.schedules has app, db' },
      {
        path: 'person',
        message: 'unknown person "zed": oncall.people has alice-ng, bob-ortiz, carol-diaz, dan-kim',
      },
      {
        path: 'replaces',
        message: 'unknown person "yan": oncall.people has alice-ng, bob-ortiz, carol-diaz, dan-kim',
      },
    ]);
    expect(await deps.store.list('web')).toEqual([]);
  });

  it('a config without an oncall section has no schedule to override', async () => {
    const problems = await problemsOf(() => addOverride({ ...deps, oncall: undefined }, override()));
    expect(problems).toEqual([
      { path: 'schedule', message: 'the config has no oncall section, so no schedules to override' },
    ]);
  });
});

describe('listOverrides and deleteOverride', () => {
  it('lists the overrides of every schedule ending after now by start, deleted ones marked', async () => {
    const later = override({ id: 'later', from: '2026-12-04T14:00:00.000Z', to: '2026-12-04T22:00:00.000Z' });
    const ofDb = override({ id: 'db', schedule: 'db' });
    const past = override({ id: 'past', from: '2026-12-02T14:00:00.000Z', to: '2026-12-02T22:00:00.000Z' });
    for (const o of [later, ofDb, past]) await addOverride(deps, o);
    expect(await listOverrides(deps)).toEqual([ofDb, later]);
    expect(await listOverrides(deps, 'app')).toEqual([later]);
    expect(await listOverrides(deps, 'app', new Date('2026-12-02T15:00:00.000Z'))).toEqual([past, later]);

    expect(await deleteOverride(deps, 'db', 'db', 'bob-ortiz')).toEqual({
      ...ofDb,
      deletedAt: now.toISOString(),
      deletedBy: 'bob-ortiz',
    });
    expect((await listOverrides(deps)).map((o) => [o.id, o.deletedBy])).toEqual([
      ['db', 'bob-ortiz'],
      ['later', undefined],
    ]);
    expect(await deleteOverride(deps, 'app', 'db', 'bob-ortiz')).toBeUndefined();
  });

  it('an unknown schedule is a ValidationError on schedule', async () => {
    expect(await problemsOf(() => listOverrides(deps, 'web'))).toEqual([
      { path: 'schedule', message: 'unknown schedule "web": oncall.schedules has app, db' },
    ]);
    expect(await problemsOf(() => deleteOverride(deps, 'web', 'o-1', 'bob-ortiz'))).toEqual([
      { path: 'schedule', message: 'unknown schedule "web": oncall.schedules has app, db' },
    ]);
  });
});
