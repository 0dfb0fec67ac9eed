/**
 * vitest globalSetup: every sandbox of the run records the states it entered; at the end the figure
 * (entered / total, over every state of the three synthesized workflows) is printed, and with
 * STATE_COVERAGE_STRICT=1 (`npm test`, `npm run coverage:states`) a state no test entered fails the run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../lib/config/load';
import { synthesizeTemplate } from '../../sandbox/sandbox';
import { DRILL_CONFIG } from '../../sandbox/scenarios';
import { COVERAGE_DIR_ENV, stateCoverage } from '../../sandbox/state-coverage';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'incident-state-coverage-'));
  process.env[COVERAGE_DIR_ENV] = dir;
  return () => {
    const coverage = stateCoverage(synthesizeTemplate(parseConfig(DRILL_CONFIG, 'drill config')), dir);
    rmSync(dir, { recursive: true, force: true });
    if (coverage.entered === 0) return;
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
