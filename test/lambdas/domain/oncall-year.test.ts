/**
 * The on-call property over a whole year at 1-minute steps (issue 13), on the example's schedule:
 * the shifts the CLI and the sandbox list (`shifts`, from the TypeScript sources) tile 2026 with no
 * gap and no overlap, and at every minute the resolver as the Lambdas run it (the domain bundled with
 * the functions' own esbuild options: minified, ESM) pages exactly the people of the shift that holds
 * that minute. DST days (2026-03-08: a 23 h day, 2026-11-01: 25 h) and holidays are in the year.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/contract/config';
import { shifts } from '../../../lambdas/domain/oncall';
import type * as PagingTargets from '../../../lambdas/domain/paging-targets';
import { LAMBDA_BUNDLING } from '../../../lib/constructs/function-bundle';
import { exampleInput } from '../../support/fixtures';

const MINUTE = 60_000;
const FROM = new Date('2026-01-01T05:00:00Z');
const TO = new Date('2027-01-01T05:00:00Z');

/** lambdas/domain/paging-targets.ts, bundled as the Lambda bundles are built. */
const lambdaResolver = async (): Promise<typeof PagingTargets> => {
  const outfile = join(mkdtempSync(join(tmpdir(), 'oncall-bundle-')), 'paging-targets.mjs');
  buildSync({
    entryPoints: [new URL('../../../lambdas/domain/paging-targets.ts', import.meta.url).pathname],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: LAMBDA_BUNDLING.target,
    minify: LAMBDA_BUNDLING.minify,
    keepNames: LAMBDA_BUNDLING.keepNames,
    logLevel: 'warning',
  });
  return (await import(pathToFileURL(outfile).href)) as typeof PagingTargets;
};

describe('a year of the app schedule at 1-minute steps', () => {
  const config = parseConfig(exampleInput(), 'example');
  const oncall = config.oncall ?? expect.fail('no oncall');

  it('shifts tile the year, and the bundled resolver pages the shift of every minute', async () => {
    const list = shifts(oncall, [], FROM, TO, { severity: 'P1' });
    // Tiling: the first starts at FROM, the last ends at TO, each starts where the one before ended.
    expect(list[0]?.start.toISOString()).toBe(FROM.toISOString());
    expect(list.at(-1)?.end.toISOString()).toBe(TO.toISOString());
    const seams = list.slice(1).filter((s, i) => s.start.getTime() !== list[i]?.end.getTime());
    expect(seams).toEqual([]);
    // The example has no coverage gap for a P1: outside business hours the secondary holds it.
    expect(list.filter((s) => s.coverageGap)).toEqual([]);

    const { resolveTier } = await lambdaResolver();
    let index = 0;
    const mismatches: string[] = [];
    for (let t = FROM.getTime(); t < TO.getTime(); t += MINUTE) {
      while ((list[index]?.end.getTime() ?? Number.POSITIVE_INFINITY) <= t) index += 1;
      const shift = list[index];
      const paged = resolveTier(config, [], 'on-call', 'P1', new Date(t)).targets.map((x) =>
        x.address.kind === 'person' ? x.address.person : x.address.tier,
      );
      if (shift === undefined || paged.join() !== shift.people.join())
        mismatches.push(
          `${new Date(t).toISOString()}: paged ${paged.join()} in shift ${shift?.people.join()}`,
        );
      if (mismatches.length > 5) break;
    }
    expect(mismatches).toEqual([]);
    // Around 2026-03-08 (spring forward) the daily 09:00 New York handoff is 13:00 UTC, before it 14:00.
    const handoffs = list.map((s) => s.start.toISOString());
    expect(handoffs).toContain('2026-03-07T14:00:00.000Z');
    expect(handoffs).toContain('2026-03-08T13:00:00.000Z');
    expect(handoffs).toContain('2026-11-02T14:00:00.000Z');
  });
});
