/** The status page item on dynalite: empty until written, versioned writes, a stale writer refused. */
import { describe, expect, it } from 'vitest';
import { StatusPageStore } from '../../../lambdas/adapters/status-page-store';
import { emptyStatusPage, type StatusUpdate } from '../../../lambdas/domain/status-page';
import { useLocalDynamo } from '../../support/local-dynamo';

const dynamo = useLocalDynamo();
const NOW = new Date('2026-11-23T10:00:00.000Z');
const draft: StatusUpdate = {
  incidentId: 'INC-20261123-001',
  name: 'Problems with Checkout API',
  severity: 'P1',
  components: ['Checkout API'],
  status: 'investigating',
  body: 'We are investigating problems with Checkout API.',
};

describe('StatusPageStore', () => {
  it('reads an empty page at version 0, then what was written, one version up each time', async () => {
    const store = new StatusPageStore(dynamo.doc, dynamo.tableName);
    const empty = await store.get(NOW);
    expect(empty).toEqual({ version: 0, state: emptyStatusPage(NOW), pending: {} });

    expect(await store.put(empty, { state: empty.state, pending: { [draft.incidentId]: draft } })).toBe(true);
    const first = await store.get(NOW);
    expect(first).toEqual({ version: 1, state: empty.state, pending: { [draft.incidentId]: draft } });
    expect(await store.put(first, { state: first.state, pending: {} })).toBe(true);
    expect((await store.get(NOW)).version).toBe(2);
  });

  it('refuses a writer whose read is stale, whether the item was new or not', async () => {
    const store = new StatusPageStore(dynamo.doc, dynamo.tableName);
    const a = await store.get(NOW);
    const b = await store.get(NOW);
    const results = [
      await store.put(a, { state: a.state, pending: {} }),
      await store.put(b, { state: b.state, pending: {} }),
    ];
    expect(results).toEqual([true, false]);
    const c = await store.get(NOW);
    expect(await store.put(c, { state: c.state, pending: {} })).toBe(true);
    expect(await store.put(c, { state: c.state, pending: {} })).toBe(false);
  });
});
