/** One-time claims (the handoff note's), on dynalite: one winner, given back on a failed send, retaken when stale. */
import { describe, expect, it } from 'vitest';
import { useLocalDynamo } from '../../support/local-dynamo';

const dynamo = useLocalDynamo();
let counter = 0;
const freshKey = () => `handoff#2026-12-05T14:00:00.000Z#person-${++counter}`;
const t = (minutes: number) => new Date(Date.parse('2026-12-05T14:00:00.000Z') + minutes * 60_000);
const TTL = Math.floor(t(7 * 24 * 60).getTime() / 1000);
const claim = (key: string, at: number) => dynamo.store.claimOnce(key, t(at), t(at - 15), TTL);

describe('IncidentStore.claimOnce', () => {
  it('lets one of ten concurrent claimants win', async () => {
    const key = freshKey();
    const results = await Promise.all(Array.from({ length: 10 }, () => claim(key, 0)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('is refused while the claim is fresh or sent, taken again once released', async () => {
    const key = freshKey();
    expect(await claim(key, 0)).toBe(true);
    expect(await claim(key, 1)).toBe(false);
    await dynamo.store.releaseClaim(key);
    expect(await claim(key, 2)).toBe(true);
    await dynamo.store.markClaimSent(key, t(3));
    // Sent: never again, however old.
    expect(await claim(key, 60)).toBe(false);
  });

  it('is taken again when its sender died mid-send (not sent, older than the stale bound)', async () => {
    const key = freshKey();
    expect(await claim(key, 0)).toBe(true);
    expect(await claim(key, 14)).toBe(false);
    expect(await claim(key, 16)).toBe(true);
  });
});
