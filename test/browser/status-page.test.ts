/**
 * The public status page in headless Chromium (issue 14): during a P1 drill, once a person has
 * confirmed the first post with the link in the INCIDENT page, the page shows the component in a major
 * outage; after the resolution, operational. The page is served as CloudFront would serve the bucket:
 * each object with the Content-Type and Cache-Control the workflow wrote, here from a loopback server
 * over the sandbox's status bucket. Screenshots go to test-artifacts/browser/.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../sandbox/sandbox';
import { DRILL_CONFIG } from '../../sandbox/scenarios';
import { alarmStateChange } from '../support/events';
import { minute, withSandbox } from '../support/sandbox';
import { launchChromium, loopbackContext, screenshotPath } from './chromium';

const config = {
  ...DRILL_CONFIG,
  automation: { allowlist: [] },
  statusPage: { title: 'Example status', components: [{ name: 'Checkout API', services: ['checkout'] }] },
};

/** Serves the sandbox's status bucket on 127.0.0.1, each object with the headers it was written with. */
const serveBucket = async (sandbox: Sandbox): Promise<{ url: string; server: Server }> => {
  const bucket = sandbox.s3.statusBucket ?? expect.fail('the sandbox has no status bucket');
  const server = createServer(async (req, res) => {
    const key = (req.url ?? '/').split('?')[0]?.slice(1) || 'index.html';
    const written = sandbox.s3.writes.filter((w) => w.bucket === bucket && w.key === key).at(-1);
    if (!written) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': written.contentType ?? 'application/octet-stream',
      'cache-control': written.cacheControl ?? '',
    });
    res.end(await sandbox.s3.text(bucket, key));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
};

/** The URL on the line after "Publish to the status page:" in a page body. */
const publishLink = (body: string): string => {
  const lines = body.split('\n');
  const at = lines.indexOf('Publish to the status page:');
  if (at < 0) return expect.fail('no publish link in the page');
  return lines.slice(at + 1).find((l) => l.startsWith('http')) ?? expect.fail('no publish link in the page');
};

describe('the status page in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the component in a major outage during a P1, once confirmed, and operational after it', async () => {
    await withSandbox({ config }, async (sandbox) => {
      await sandbox.clock.advanceTo(minute(1));
      const record = sandbox.deliver(alarmStateChange('checkout-tasks-below-desired', 'ALARM', minute(1)));
      await sandbox.settle(minute(2));
      const id = record.intake?.incidentId ?? expect.fail('no incident');
      const incidentPage = (await sandbox.sns.drain()).find((p) => p.kind === 'INCIDENT');
      expect((await fetch(publishLink(incidentPage?.body ?? ''), { method: 'POST', body: '' })).status).toBe(
        200,
      );

      const { url, server } = await serveBucket(sandbox);
      const { context, refused } = await loopbackContext(browser);
      try {
        const tab = await context.newPage();
        const during = await tab.goto(url);
        expect(during?.headers()['cache-control']).toBe('max-age=30');
        expect(await tab.locator('body').innerText()).toMatch(/Checkout API: Major outage/);
        await tab.screenshot({ path: screenshotPath('status-page-during-p1'), fullPage: true });

        await sandbox.clock.advanceTo(minute(5));
        await sandbox.resolve(id, 'alice');
        await sandbox.settle(minute(60));
        await tab.reload();
        const text = await tab.locator('body').innerText();
        expect(text).toMatch(/Checkout API: Operational/);
        expect(text).not.toMatch(/Major outage/);
        await tab.screenshot({ path: screenshotPath('status-page-after-p1'), fullPage: true });
        expect((await sandbox.incident(id))?.status).toBe('RESOLVED');
      } finally {
        await context.close();
        server.close();
      }
      expect(refused).toEqual([]);
    });
  });
});
