import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/** The tests of the CDK app that load a Lambda bundle in-process (its env, the sandbox's Date and console). */
const FUNCTION_BUNDLE_TEST = 'test/lib/constructs/function-bundle.test.ts';
/** The CLI's tests that run the sandbox and its store, with no SDK mock (the sandbox's bundles would see it). */
const CLI_SANDBOX_TESTS = 'test/cli/{incident-cli,declare-sandbox,silence}.test.ts';

/**
 * One group of test files, with what every test file runs with. Tests and hooks time out after
 * `timeoutMs` (@default 30 s). A `sequential` group runs one file at a time, after the other groups
 * (vitest runs a group with its own worker count in an order of its own). @default false
 */
const project = (
  name: string,
  files: { include: string[]; exclude?: string[]; isolate: boolean },
  { timeoutMs = 30_000, sequential = false }: { timeoutMs?: number; sequential?: boolean } = {},
): TestProjectInlineConfiguration => ({
  test: {
    name,
    ...files,
    ...(sequential ? { fileParallelism: false, sequence: { groupOrder: 1 } } : {}),
    // Unit and integration tests never leave loopback: fake credentials, no instance metadata, and a
    // default endpoint nobody listens on, so an AWS call that a test forgot to point somewhere fails at once.
    env: {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      CDK_DISABLE_VERSION_CHECK: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    testTimeout: timeoutMs,
    hookTimeout: timeoutMs,
    pool: 'forks',
    // The Lambda bundles the sandbox runs are loaded by Node itself, as Lambda loads them: not
    // transformed by vitest (and fast, with no 2 MB source map to rewrite).
    server: { deps: { external: [/[\\/]\.sandbox[\\/]bundles[\\/]/] } },
  },
});

export default defineConfig({
  test: {
    // Once per run, in this order (teardown in reverse): the run's folder of synthesized templates,
    // the Lambda bundles the sandbox runs, then the sandboxes' state coverage.
    globalSetup: [
      'test/support/template-setup.ts',
      'test/support/bundle-setup.ts',
      'test/support/state-coverage-setup.ts',
    ],
    // vitest's default is one worker fewer than the cores: one, on a two-core machine.
    maxWorkers: 2,
    projects: [
      // Construct trees only (no mocks, no servers, no process.env): the files share their process, so
      // aws-cdk-lib, cdk-nag and CloudFormation's rule check load and warm up once per worker, not per
      // file, and a template synthesized once serves every file.
      project('cdk', { include: ['test/lib/**/*.test.ts'], exclude: [FUNCTION_BUNDLE_TEST], isolate: false }),
      // The sandbox (its own tests, and the CLI's that run it) runs one sandbox at a time per process and
      // puts back what it changes (env, ports, files) when it stops: its files share their process too,
      // as each file's tests already do, and each template and bundle loads once per worker.
      project('sandbox', { include: ['test/sandbox/**/*.test.ts', CLI_SANDBOX_TESTS], isolate: false }),
      // The runtime's domain, services and handlers over in-memory fakes and dynalite (no SDK mock, no
      // env): their files share their process too.
      project('lambdas', {
        include: ['test/lambdas/{contract,domain,handlers,intake,services,web}/**/*.test.ts'],
        isolate: false,
      }),
      // SDK mocks (aws-sdk-client-mock patches the clients' prototypes), env set by tests, a bundle
      // loaded outside a sandbox: a fresh process per file.
      project('isolated', {
        include: ['test/lambdas/adapters/**/*.test.ts', 'test/cli/**/*.test.ts', FUNCTION_BUNDLE_TEST],
        exclude: [CLI_SANDBOX_TESTS],
        isolate: true,
      }),
      // Headless Debian Chromium (playwright-core) against a drill's sandbox on loopback: one file at a
      // time once the rest are done, as each drives one browser and one sandbox, with time for
      // Chromium's start on a busy machine.
      project(
        'browser',
        { include: ['test/browser/**/*.test.ts'], isolate: false },
        { timeoutMs: 120_000, sequential: true },
      ),
    ],
  },
});
