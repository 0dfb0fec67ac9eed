/**
 * (c) Each Lambda bundle's size and its cold load time in node. The entries are bundled with esbuild
 * with the options cdk synth builds each asset with (bundleOptions: ESM, target node24, minify with
 * names kept, source map, @aws-sdk/* external, the createRequire banner), with config/example.json
 * written beside each bundle as its config.json. Cold load is the wall time of a fresh `node` that imports the bundle, minus
 * that of an empty `node -e ""`. The AWS SDK stays external as on Lambda, where the runtime ships it:
 * here a `node_modules` link next to the bundles resolves it to the project's copy (ESM resolution
 * ignores NODE_PATH). Lambda runs Node 24 on arm64; this runs the local node.
 *
 * The SDK floor is a child that imports only the bundle's external `@aws-sdk/*` modules, as the
 * bundle does at load: what the runtime's SDK costs whatever the bundle holds. The bundle's own
 * cost is the child minus that floor.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { writeBundledConfig } from '../lambdas/contract/bundled-config';
import { parseConfig } from '../lambdas/contract/config';
import type { DeploymentConfig } from '../lambdas/contract/config-schema';
import {
  BUNDLE_FILE,
  bundleOptions,
  HANDLER_NAMES,
  type HandlerName,
  LAMBDA_BUNDLING,
} from '../lib/constructs/function-bundle';
import { HANDLER_ENV } from '../lib/constructs/incident-function';
import { type Summary, summarize } from './stats';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLE_CONFIG = join(ROOT, 'config', 'example.json');

const DEPLOYED_NODE_OPTIONS = LAMBDA_BUNDLING.nodeOptions;

/** Stand-ins for the env the stack sets; the entries read them at load and fail without them. */
const fakeEnv = (config: DeploymentConfig): Record<string, string> => ({
  AWS_REGION: 'us-east-1',
  TABLE_NAME: 'IncidentResponse-incidents',
  TIER_TOPIC_ARNS: JSON.stringify(
    Object.fromEntries(
      Object.keys(config.contacts).map((tier) => [tier, `arn:aws:sns:us-east-1:123456789012:pages-${tier}`]),
    ),
  ),
  PERSON_TOPIC_ARN_PREFIX: 'arn:aws:sns:us-east-1:123456789012:IncidentResponse-person-',
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:IncidentResponse-lifecycle',
  ESCALATION_STATE_MACHINE_ARN:
    'arn:aws:states:us-east-1:123456789012:stateMachine:IncidentResponse-escalation',
  SIGNING_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:links-AbCdEf',
  RESPONDER_BASE_URL: 'https://abcdefghij.lambda-url.us-east-1.on.aws',
  LINK_TTL_MINUTES: '1440',
  POSTMORTEM_STATE_MACHINE_ARN:
    'arn:aws:states:us-east-1:123456789012:stateMachine:IncidentResponse-postmortem',
  REPORT_BUCKET: 'incidentresponse-reportsbucket-1a2b3c4d5e6f',
  POWERTOOLS_METRICS_NAMESPACE: 'IncidentResponse',
  // The webhook function's (the example config has no webhooks: no URLs, no queue for the producers).
  WEBHOOK_URLS: '{}',
  WEBHOOK_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/IncidentResponse-webhooks-dlq',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

/** Imports the module named by argv[1] and checks that it exports the handler. */
const IMPORT_SCRIPT =
  "import(process.argv[1]).then((m) => { if (typeof m.handler !== 'function') { console.error('no handler export'); process.exit(3); } }, (e) => { console.error(e); process.exit(1); })";

export interface BundleResult {
  readonly name: HandlerName;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly sourceMapBytes: number;
  /** Bytes of the minified output by package (`(project)` for this repository), largest first, top 5. */
  readonly largestInputs: ReadonlyArray<{ readonly source: string; readonly bytes: number }>;
  /** Child wall time with NODE_OPTIONS=--enable-source-maps, as deployed. */
  readonly childMs: Summary;
  /** childMs minus the median baseline with the same NODE_OPTIONS. */
  readonly coldLoadMs: number;
  /** The same without --enable-source-maps. */
  readonly childNoSourceMapsMs: Summary;
  readonly coldLoadNoSourceMapsMs: number;
  /** The external `@aws-sdk/*` modules the bundle imports at load. */
  readonly sdkModules: readonly string[];
  /** A child importing only sdkModules (as deployed, with source maps). */
  readonly sdkFloorMs: Summary;
  /** childMs median minus sdkFloorMs median: what the bundle itself adds over the SDK it loads. */
  readonly ownLoadMs: number;
}

export interface BundlesResult {
  readonly runs: number;
  readonly esbuildMs: number;
  /** `node -e ""` with NODE_OPTIONS=--enable-source-maps. */
  readonly baselineMs: Summary;
  readonly baselineNoSourceMapsMs: Summary;
  readonly bundles: readonly BundleResult[];
}

const packageOf = (input: string): string => {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return '(project)';
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  return parts.slice(0, parts[0]?.startsWith('@') ? 2 : 1).join('/');
};

/** The bare `@aws-sdk/*` specifiers the bundle's output imports (left external, as on Lambda). */
const sdkModulesOf = (metafile: Metafile): string[] => {
  const output = Object.entries(metafile.outputs).find(([file]) => file.endsWith('.mjs'))?.[1];
  const modules = (output?.imports ?? []).filter((i) => i.external && i.path.startsWith('@aws-sdk/'));
  return [...new Set(modules.map((i) => i.path))].sort();
};

const largestInputs = (metafile: Metafile): BundleResult['largestInputs'] => {
  const output = Object.entries(metafile.outputs).find(([file]) => file.endsWith('.mjs'))?.[1];
  const bytes = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {}))
    bytes.set(packageOf(input), (bytes.get(packageOf(input)) ?? 0) + bytesInOutput);
  return [...bytes]
    .map(([source, n]) => ({ source, bytes: n }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 5);
};

/** Wall milliseconds of one child `node`; throws with its stderr when it fails. */
const spawnNode = (args: readonly string[], env: Record<string, string>): number => {
  const started = performance.now();
  const child = spawnSync(process.execPath, args, {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const ms = performance.now() - started;
  if (child.status !== 0) throw new Error(`node ${args.join(' ')} exited ${child.status}: ${child.stderr}`);
  return ms;
};

/** Bundles every entry, then times `runs` rounds of child processes (plus one untimed round), interleaved. */
export const measureBundles = async (runs: number): Promise<BundlesResult> => {
  const config = parseConfig(JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')), EXAMPLE_CONFIG);
  const dir = mkdtempSync(join(tmpdir(), 'incident-bench-'));
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const esbuildStarted = performance.now();
    const built = await Promise.all(
      HANDLER_NAMES.map(async (name) => {
        const outdir = join(dir, name);
        mkdirSync(outdir);
        const outfile = join(outdir, BUNDLE_FILE);
        // What cdk synth builds (buildFunctionBundle); metafile only reports what went in.
        const { metafile } = await build({
          ...bundleOptions(name, outdir),
          logLevel: 'silent',
          metafile: true,
        });
        writeBundledConfig(outdir, config);
        const sdkModules = sdkModulesOf(metafile);
        const floorFile = join(outdir, 'sdk-floor.mjs');
        writeFileSync(floorFile, sdkModules.map((m) => `import '${m}';\n`).join(''));
        return { name, outfile, floorFile, sdkModules, largestInputs: largestInputs(metafile) };
      }),
    );
    const esbuildMs = performance.now() - esbuildStarted;

    const base: Record<string, string> = { PATH: process.env.PATH ?? '', ...fakeEnv(config) };
    const modes = [
      { key: 'deployed', env: { ...base, NODE_OPTIONS: DEPLOYED_NODE_OPTIONS } },
      { key: 'plain', env: base },
    ] as const;
    const samples = new Map<string, number[]>();
    const record = (key: string, ms: number) => samples.set(key, [...(samples.get(key) ?? []), ms]);
    for (let round = 0; round <= runs; round++) {
      const timedRound = round > 0;
      for (const mode of modes) {
        const baseline = spawnNode(['-e', ''], mode.env);
        if (timedRound) record(`baseline/${mode.key}`, baseline);
        for (const { name, outfile } of built) {
          const ms = spawnNode(['-e', IMPORT_SCRIPT, pathToFileURL(outfile).href], {
            ...mode.env,
            [HANDLER_ENV]: name,
          });
          if (timedRound) record(`${name}/${mode.key}`, ms);
        }
      }
      // The SDK floor, as deployed only: it is the same modules whatever NODE_OPTIONS says.
      for (const { name, floorFile } of built) {
        const ms = spawnNode([floorFile], modes[0].env);
        if (timedRound) record(`${name}/sdk-floor`, ms);
      }
    }
    const summaryOf = (key: string) => summarize(samples.get(key) ?? []);
    const baselineMs = summaryOf('baseline/deployed');
    const baselineNoSourceMapsMs = summaryOf('baseline/plain');
    const bundles = built.map(({ name, outfile, sdkModules, largestInputs }): BundleResult => {
      const code = readFileSync(outfile);
      const childMs = summaryOf(`${name}/deployed`);
      const childNoSourceMapsMs = summaryOf(`${name}/plain`);
      const sdkFloorMs = summaryOf(`${name}/sdk-floor`);
      return {
        name,
        bytes: code.length,
        gzipBytes: gzipSync(code, { level: 9 }).length,
        sourceMapBytes: statSync(`${outfile}.map`).size,
        largestInputs,
        childMs,
        coldLoadMs: childMs.median - baselineMs.median,
        childNoSourceMapsMs,
        coldLoadNoSourceMapsMs: childNoSourceMapsMs.median - baselineNoSourceMapsMs.median,
        sdkModules,
        sdkFloorMs,
        ownLoadMs: childMs.median - sdkFloorMs.median,
      };
    });
    return { runs, esbuildMs, baselineMs, baselineNoSourceMapsMs, bundles };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
