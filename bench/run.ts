/**
 * `npm run bench [-- --runs N] [-- --only a,b]`: (a) workflow overhead, (b) state transitions and
 * their cost, (c) Lambda bundle sizes and cold loads, (d) the alarm storm, (e) alarm -> rollback
 * started, (f) post-incident (the reminder workflow's cost, `incident stats` over a table), (g) `incident
 * policy simulate` over 10,000 state changes, (h) on-call resolution. Loopback
 * only. Writes bench/results/bench.json and bench.md and prints the Markdown.
 */
import '../bin/quiet-sdk';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { measureBundles } from './bundles';
import { measureOncall } from './oncall';
import { measurePolicySimulate } from './policy-simulate';
import { measurePostIncident } from './post-incident';
import { type BenchReport, renderMarkdown } from './report';
import { measureRollback } from './rollback';
import { measureStorm } from './storm';
import { measureTransitions } from './transitions';
import { measureWorkflowOverhead } from './workflow-overhead';

const MEASURES = {
  a: 'workflowOverhead',
  b: 'transitions',
  c: 'bundles',
  d: 'storm',
  e: 'rollback',
  f: 'postIncident',
  g: 'policySimulate',
  h: 'oncall',
} as const;
type MeasureKey = keyof typeof MEASURES;

const ALIASES: Readonly<Record<string, MeasureKey>> = {
  a: 'a',
  overhead: 'a',
  b: 'b',
  transitions: 'b',
  c: 'c',
  bundles: 'c',
  d: 'd',
  storm: 'd',
  e: 'e',
  rollback: 'e',
  f: 'f',
  'post-incident': 'f',
  g: 'g',
  'policy-simulate': 'g',
  h: 'h',
  oncall: 'h',
};

/** Bad command-line options: reported without a stack trace. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

const DEFAULT_RUNS = 5;
const RESULTS = new URL('./results/', import.meta.url);

const parseOptions = () => {
  const { values } = parseArgs({
    options: { runs: { type: 'string' }, only: { type: 'string' } },
    strict: true,
  });
  const runs = values.runs === undefined ? DEFAULT_RUNS : Number(values.runs);
  const problems: string[] = [];
  if (!Number.isInteger(runs) || runs < 1)
    problems.push(`--runs must be a positive integer, got ${values.runs}`);
  const only = new Set<MeasureKey>();
  for (const name of values.only?.split(',').map((s) => s.trim()) ?? Object.keys(MEASURES)) {
    const key = ALIASES[name];
    if (key === undefined)
      problems.push(
        `--only: unknown measure '${name}' (a|overhead, b|transitions, c|bundles, d|storm, e|rollback, f|post-incident, g|policy-simulate, h|oncall)`,
      );
    else only.add(key);
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return { runs, only };
};

const main = async () => {
  const { runs, only } = parseOptions();
  const step = async <T>(key: MeasureKey, measure: (runs: number) => Promise<T>): Promise<T | undefined> => {
    if (!only.has(key)) return undefined;
    process.stderr.write(`bench: (${key}) ${MEASURES[key]}, ${runs} runs...\n`);
    return measure(runs);
  };
  const cpu = cpus();
  const workflowOverhead = await step('a', measureWorkflowOverhead);
  const transitions = await step('b', measureTransitions);
  const bundles = await step('c', measureBundles);
  const storm = await step('d', measureStorm);
  const rollback = await step('e', measureRollback);
  const postIncident = await step('f', measurePostIncident);
  const policySimulate = await step('g', measurePolicySimulate);
  const oncall = await step('h', measureOncall);
  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    environment: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpus: cpu.length,
      cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    },
    runs,
    ...(workflowOverhead ? { workflowOverhead } : {}),
    ...(transitions ? { transitions } : {}),
    ...(bundles ? { bundles } : {}),
    ...(storm ? { storm } : {}),
    ...(rollback ? { rollback } : {}),
    ...(postIncident ? { postIncident } : {}),
    ...(policySimulate ? { policySimulate } : {}),
    ...(oncall ? { oncall } : {}),
  };
  const markdown = renderMarkdown(report);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(new URL('bench.json', RESULTS), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(new URL('bench.md', RESULTS), markdown);
  process.stdout.write(markdown);
};

try {
  await main();
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`bench: ${error.message}\n`);
  process.exitCode = 2;
}
