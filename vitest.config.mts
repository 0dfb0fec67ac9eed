import { defineConfig } from 'vitest/config';

// Unit and integration tests never leave loopback: fake credentials, no instance metadata, and a
// default endpoint nobody listens on, so an AWS call that a test forgot to point somewhere fails at once.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/state-coverage-setup.ts'],
    env: {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      CDK_DISABLE_VERSION_CHECK: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The Lambda bundles the sandbox runs are loaded by Node itself, as Lambda loads them: not
    // transformed by vitest (and fast, with no 2 MB source map to rewrite).
    server: { deps: { external: [/[\\/]\.sandbox[\\/]bundles[\\/]/] } },
  },
});
