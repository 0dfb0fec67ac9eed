/**
 * vitest globalSetup: every sandbox of the run records the states it entered; at the end the figure
 * (entered / total, over every state of the three synthesized workflows) is printed, and with
 * STATE_COVERAGE_STRICT=1 (`npm test`, `npm run coverage:states`) a state no test entered fails the run.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COVERAGE_DIR_ENV } from '../../sandbox/state-coverage';

/** The drill config's template and what the sandboxes entered in `dir`; loaded only when a sandbox ran. */
const coverageOf = async (dir: string) => {
  // Imported here, not above: the sandbox and the CDK app take seconds to load in vitest's own process,
  // before any test starts, and a run without a sandbox test needs neither.
  const [{ parseConfig }, { synthesizeTemplate }, { DRILL_CONFIG }, { stateCoverage }] = await Promise.all([
    import('../../lambdas/contract/config'),
    import('../../sandbox/synth'),
    import('../../sandbox/scenarios'),
    import('../../sandbox/state-coverage'),
  ]);
  // A sandbox of the run synthesized the drill config's template already: it is read back (synth.ts).
  return stateCoverage(synthesizeTemplate(parseConfig(DRILL_CONFIG, 'drill config')), dir);
};

export default function setup(): () => Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'incident-state-coverage-'));
  process.env[COVERAGE_DIR_ENV] = dir;
  return async () => {
    // No sandbox recorded anything: nothing was entered, and nothing is printed.
    const recorded = readdirSync(dir).some((file) => file.endsWith('.json'));
    const coverage = recorded ? await coverageOf(dir) : undefined;
    rmSync(dir, { recursive: true, force: true });
    if (coverage === undefined || coverage.entered === 0) return;
    const percent = ((100 * coverage.entered) / coverage.total).toFixed(1);
    console.log(
      `\nWorkflow state coverage: ${coverage.entered}/${coverage.total} states entered (${percent} %)`,
    );
    if (coverage.missing.length > 0) {
      console.log(`Never entered by a sandbox test:\n  ${coverage.missing.join('\n  ')}`);
      if (process.env.STATE_COVERAGE_STRICT === '1')
        throw new Error(`${coverage.missing.length} workflow state(s) no sandbox test entered`);
    }
  };
}
