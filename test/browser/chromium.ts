/**
 * Debian's Chromium driven by playwright-core for the browser tests: no browser download, no network.
 * Every context a test opens reaches loopback only, and records whatever else a page asked for.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium } from 'playwright-core';

/** Where the tests look for Chromium: `CHROMIUM_PATH`, else Debian's package's binary. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The one-line install the failure names (CI runs it in `.ci/run`). */
export const CHROMIUM_INSTALL = 'sudo apt-get install chromium';

/** Where screenshots go: git-ignored, kept after the run for a person to look at. */
export const ARTIFACTS_DIR = join(import.meta.dirname, '..', '..', 'test-artifacts', 'browser');

// Without the background-networking flags Chromium calls Google's hosts at every start; QUIC, sync,
// component updates and the first-run tasks are off for the same reason. Even so Debian's build
// (whose launcher sets Google API keys) still looks up update.googleapis.com and accounts.google.com
// at start, and content-autofill.googleapis.com for a page with a form (seen with strace): its
// resolver answers NOTFOUND for every name, so no lookup leaves the machine and no request follows.
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

/**
 * Launches headless Chromium from {@link CHROMIUM_PATH} (playwright-core gives it a new empty profile
 * in a temporary user data dir). A missing binary fails the tests, on CI and on a laptop alike, with
 * the command that installs it: a browser test is never skipped silently.
 */
export const launchChromium = async (): Promise<Browser> => {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: the browser tests need Debian's chromium (${CHROMIUM_INSTALL}), or CHROMIUM_PATH set to a Chromium binary`,
    );
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS });
};

/** A browser context whose requests reach 127.0.0.1 only, and the off-loopback URLs it refused. */
export interface LoopbackContext {
  readonly context: BrowserContext;
  /** Every URL a page of the context asked for that was not on 127.0.0.1 (aborted): a test expects none. */
  readonly refused: readonly string[];
}

/** Opens a context (with `options`) that aborts every request not to 127.0.0.1 and records it. */
export const loopbackContext = async (
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<LoopbackContext> => {
  const context = await browser.newContext(options);
  const refused: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).hostname === '127.0.0.1') return route.continue();
    refused.push(url);
    return route.abort('blockedbyclient');
  });
  return { context, refused };
};

/** The path of the screenshot `name` (a PNG) under {@link ARTIFACTS_DIR}, which it creates. */
export const screenshotPath = (name: string): string => {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return join(ARTIFACTS_DIR, `${name}.png`);
};
