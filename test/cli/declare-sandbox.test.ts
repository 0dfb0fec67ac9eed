import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli';

// Apart from respond.test.ts, whose SDK mocks would answer the sandbox bundles' own clients too (the
// bundles load the same @aws-sdk modules): here the sandbox's stand-ins answer, as in a drill.

describe('incident declare', () => {
  it('in the sandbox: the declared incident runs the lifecycle, opened by the person', async () => {
    const db = mkdtempSync(join(tmpdir(), 'declare-'));
    const result = await runCli(
      'declare',
      '--service',
      'checkout',
      '--severity',
      'P2',
      '--title',
      'checkout slow for EU users',
      '--by',
      'alice',
      '--db',
      db,
    );
    expect(result.code).toBe(0);
    const { outcome, incidentId } = JSON.parse(result.out);
    expect(outcome).toBe('opened');
    const shown = await runCli('show', incidentId, '--db', db, '--json');
    const incident = JSON.parse(shown.out);
    expect(incident.timeline[0]).toMatchObject({
      kind: 'detected',
      actor: { type: 'human', name: 'alice' },
      summary: 'declared by alice: checkout slow for EU users',
    });
    expect(incident.timeline.map((e: { kind: string }) => e.kind)).toContain('page');
  });
});
