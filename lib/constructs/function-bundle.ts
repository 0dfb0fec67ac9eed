/**
 * How every Lambda of the product is bundled, in one place: `cdk synth` builds each function's asset
 * with {@link buildFunctionBundle}, and the sandbox and the bench build theirs with the same call, so
 * what runs locally is byte for byte what deploys (test/lib/constructs/function-bundle.test.ts
 * compares them). The code is the same for every config: the validated deployment config travels
 * beside it in the asset as `config.json`, read once at cold start.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, buildSync } from 'esbuild';
import { writeBundledConfig } from '../../lambdas/contract/bundled-config';
import type { DeploymentConfig } from '../../lambdas/contract/config-schema';

/** The Lambda entries under lambdas/entries/. */
export const HANDLER_NAMES = ['intake', 'lifecycle', 'automation', 'responder', 'ingest', 'webhook'] as const;
export type HandlerName = (typeof HANDLER_NAMES)[number];

/** The bundle's file in the asset, and so the function's handler `index.handler`. */
export const BUNDLE_FILE = 'index.mjs';
export { CONFIG_DIGEST_FILE, CONFIG_FILE } from '../../lambdas/contract/bundled-config';

export const LAMBDA_BUNDLING = {
  target: 'node24',
  minify: true,
  // Minified names would turn every IncidentError subclass into `t`, `n`...: the workflow's Retry and
  // Catch match on the error's name, and timelines and pages show it.
  keepNames: true,
  sourceMap: true,
  externalModules: ['@aws-sdk/*'],
  // ESM bundles of CommonJS dependencies still call require(): give them one.
  banner: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);",
  nodeOptions: '--enable-source-maps',
} as const;

/** The entry file of a handler. */
export const entryOf = (name: HandlerName): string =>
  fileURLToPath(new URL(`../../lambdas/entries/${name}.ts`, import.meta.url));

/** The esbuild options of one function's bundle, written to `outDir/index.mjs` with its source map. */
export const bundleOptions = (name: HandlerName, outDir: string): BuildOptions => ({
  entryPoints: [entryOf(name)],
  outfile: join(outDir, BUNDLE_FILE),
  bundle: true,
  platform: 'node',
  format: 'esm',
  mainFields: ['module', 'main'],
  target: LAMBDA_BUNDLING.target,
  minify: LAMBDA_BUNDLING.minify,
  keepNames: LAMBDA_BUNDLING.keepNames,
  sourcemap: LAMBDA_BUNDLING.sourceMap,
  external: [...LAMBDA_BUNDLING.externalModules],
  banner: { js: LAMBDA_BUNDLING.banner },
  logLevel: 'warning',
});

/** Builds one function's asset into `outDir`: the bundle, its source map and, given one, the config with its digest. */
export const buildFunctionBundle = (name: HandlerName, outDir: string, config?: DeploymentConfig): void => {
  buildSync(bundleOptions(name, outDir));
  if (config) writeBundledConfig(outDir, config);
};
