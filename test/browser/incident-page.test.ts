import axe, { type Result } from 'axe-core';
import type { Browser, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentPageIn } from '../../cli/serving';
import type { Incident } from '../../lambdas/domain/incident';
import type { ViewClaims } from '../../lambdas/domain/responder-actions';
import { INCIDENT_PAGE_CSP } from '../../lambdas/web/incident-page-html';
import { type DrillReport, runDrill } from '../../sandbox/drill';
import type { DeliveredPage } from '../../sandbox/local-aws/sns';
import type { Sandbox } from '../../sandbox/sandbox';
import { SCENARIOS } from '../../sandbox/scenarios';
import { START } from '../support/sandbox';
import { launchChromium, loopbackContext, screenshotPath } from './chromium';

const scenario = SCENARIOS['bad-deploy'];
if (!scenario) throw new Error('no bad-deploy scenario');

/** The refusal page's heading: any bad link gets this one page, which says nothing about why. */
const REFUSED = 'This link cannot be used';

/** The axe-core rules of the issue: names and labels of buttons and form fields, contrast, headings in order. */
const AXE_RULES = ['button-name', 'label', 'color-contrast', 'heading-order'];

const claimsOf = (url: string): ViewClaims =>
  JSON.parse(Buffer.from(url.split('/').at(-1)?.split('.')[0] ?? '', 'base64url').toString('utf8'));

/** The page link with its claims rewritten to act as `to`, its signature kept: a tampered link. */
const tampered = (url: string, to: string): string => {
  const [payload, signature] = url.split('/').at(-1)?.split('.') ?? [];
  const forged = Buffer.from(JSON.stringify({ ...claimsOf(url), to })).toString('base64url');
  expect(forged).not.toBe(payload);
  return url.replace(`${payload}.${signature}`, `${forged}.${signature}`);
};

/**
 * Plays the bad-deploy drill and runs `atFirstPage` at the first minute with a page, while the
 * incident is open, with that page and its incident page link; `afterDrill` runs once the drill is
 * over, its sandbox still up.
 */
const drillWithPage = async (
  atFirstPage: (sandbox: Sandbox, page: DeliveredPage, url: string) => Promise<void>,
  afterDrill: (sandbox: Sandbox, report: DrillReport) => Promise<void> = async () => {},
): Promise<DrillReport> => {
  let played = false;
  const report = await runDrill(scenario, {
    start: START,
    hooks: Array.from({ length: scenario.durationMinutes }, (_, atMinute) => ({
      atMinute,
      run: async (sandbox: Sandbox) => {
        const [first] = await sandbox.sns.allPages();
        if (!first || played) return;
        played = true;
        const url = incidentPageIn(first.body);
        expect(url?.startsWith(`${sandbox.responder.baseUrl}/i/`)).toBe(true);
        await atFirstPage(sandbox, first, url ?? '');
      },
    })),
    serve: afterDrill,
  });
  expect(played).toBe(true);
  return report;
};

/** The record and the pages sent, to check that a refused request changed nothing. */
const snapshot = async (sandbox: Sandbox, id: string): Promise<[Incident | undefined, number]> => [
  await sandbox.incident(id),
  (await sandbox.sns.allPages()).length,
];

/** The page's `<dd>` for the term `term` of its facts. */
const fact = (page: Page, term: string) =>
  page.locator('dt', { hasText: new RegExp(`^${term}$`) }).locator('xpath=following-sibling::dd[1]');

/** Expects `open` (a navigation of `page`) to end on the refusal page, with its 403. */
const expectRefused = async (page: Page, open: () => Promise<Response | null>): Promise<void> => {
  expect((await open())?.status()).toBe(403);
  await expect.poll(() => page.locator('h1').innerText()).toBe(REFUSED);
  expect(await page.locator('body').innerText()).toContain('Nothing was changed.');
};

/** What axe-core found on a page: the rules it could apply, and their violations. */
interface AxeFindings {
  readonly applied: readonly string[];
  readonly violations: readonly Result[];
}

/**
 * axe-core's {@link AXE_RULES} on the page at `url`. The page's CSP (`default-src 'none'`) refuses any
 * injected script, axe's too, so this one context bypasses the CSP; every other context of these
 * tests runs under it.
 */
const axeFindings = async (browser: Browser, url: string): Promise<AxeFindings> => {
  const { context, refused } = await loopbackContext(browser, { bypassCSP: true });
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.addScriptTag({ content: axe.source });
    const findings = await page.evaluate<AxeFindings>(
      `axe.run(document, { runOnly: { type: 'rule', values: ${JSON.stringify(AXE_RULES)} } }).then((r) => ({
        applied: [...r.passes, ...r.violations].map((rule) => rule.id),
        violations: r.violations,
      }))`,
    );
    expect(refused).toEqual([]);
    return findings;
  } finally {
    await context.close();
  }
};

const describeViolations = (violations: readonly Result[]): string =>
  violations
    .map(
      (v) =>
        `${v.id}: ${v.help}\n${v.nodes.map((n) => `  ${n.target.join(' ')}: ${n.failureSummary}`).join('\n')}`,
    )
    .join('\n');

describe('the incident page in Chromium, from a drill page link', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the timeline, acknowledges with a note, and refuses a replayed, tampered or expired link', async () => {
    const seen: { id?: string; to?: string; url?: string } = {};
    const { context, refused } = await loopbackContext(browser);
    try {
      const report = await drillWithPage(
        async (sandbox, first, url) => {
          const tab = await context.newPage();
          const response = await tab.goto(url);
          expect(response?.status()).toBe(200);
          expect(response?.headers()['content-security-policy']).toBe(INCIDENT_PAGE_CSP);
          const incident = await sandbox.incident(first.incidentId ?? '');
          if (!incident) throw new Error(`no incident ${first.incidentId}`);
          const { to } = claimsOf(url);
          Object.assign(seen, { id: incident.id, to, url });
          expect(await tab.locator('h1').innerText()).toBe(`${incident.id}: ${incident.title}`);
          expect(await fact(tab, 'Status').innerText()).toBe(incident.status);
          expect(await fact(tab, 'Acknowledged').innerText()).toMatch(/^Not yet, after /);
          const timeline = tab.locator('h2:text-is("Timeline") + ol > li');
          expect(incident.timeline.length).toBeGreaterThan(1);
          expect(await timeline.count()).toBe(incident.timeline.length);
          const shown = (await timeline.allInnerTexts()).join('\n').replace(/\s+/g, ' ');
          for (const entry of incident.timeline)
            expect(shown).toContain(
              `${entry.kind} ${entry.actor.name}: ${entry.summary}`.replace(/\s+/g, ' '),
            );
          await tab.screenshot({ path: screenshotPath('incident-page-before-ack'), fullPage: true });

          const { applied, violations } = await axeFindings(browser, url);
          expect([...new Set(applied)].sort()).toEqual([...AXE_RULES].sort());
          expect(violations, describeViolations(violations)).toEqual([]);

          // A person writing a note stops the reloading first, as the page says.
          await tab.getByRole('link', { name: 'Stop reloading, to write a note' }).click();
          await expect.poll(() => tab.locator('p', { hasText: 'does not reload' }).count()).toBe(1);
          await tab.getByLabel('Note for the timeline').fill('seen in Chromium, rolling back');
          const acknowledge = tab.getByRole('button', { name: 'Acknowledge' });
          const ackUrl = await acknowledge.getAttribute('formaction');
          expect(ackUrl?.startsWith(`${sandbox.responder.baseUrl}/a/`)).toBe(true);
          const [posted] = await Promise.all([tab.waitForResponse(ackUrl ?? ''), acknowledge.click()]);
          expect(posted.request().method()).toBe('POST');
          expect(posted.status()).toBe(200);
          await sandbox.settle(sandbox.clock.now());

          await tab.goto(url);
          expect(await fact(tab, 'Acknowledged').innerText()).toMatch(new RegExp(`^${to}, after `));
          expect(await timeline.allInnerTexts()).toContainEqual(
            expect.stringContaining(`${to}: seen in Chromium, rolling back`),
          );
          await tab.screenshot({ path: screenshotPath('incident-page-after-ack'), fullPage: true });
          const acknowledged = await snapshot(sandbox, incident.id);
          expect(acknowledged[0]?.acknowledgedBy).toBe(to);

          // The same action link posted again, as a resubmitted form would: refused, nothing changes.
          await tab.route(ackUrl ?? '', (route) =>
            route.continue({
              method: 'POST',
              postData: 'note=again',
              headers: { ...route.request().headers(), 'content-type': 'application/x-www-form-urlencoded' },
            }),
          );
          await expectRefused(tab, () => tab.goto(ackUrl ?? ''));
          await tab.screenshot({ path: screenshotPath('refused-replayed-link'), fullPage: true });
          await tab.unroute(ackUrl ?? '');

          // The page link rewritten to act as someone else: refused, nothing changes.
          await expectRefused(tab, () => tab.goto(tampered(url, 'mallory')));
          await sandbox.settle(sandbox.clock.now());
          expect(await snapshot(sandbox, incident.id)).toEqual(acknowledged);
          await tab.close();
        },
        async (sandbox) => {
          // The page link works until its expiry on the sandbox's clock, and from then on is refused.
          const { exp } = claimsOf(seen.url ?? '');
          await sandbox.clock.advanceTo(new Date(exp * 1000 - 60_000));
          const tab = await context.newPage();
          expect((await tab.goto(seen.url ?? ''))?.status()).toBe(200);
          await sandbox.clock.advanceTo(new Date(exp * 1000));
          const before = await snapshot(sandbox, seen.id ?? '');
          await expectRefused(tab, () => tab.goto(seen.url ?? ''));
          await tab.screenshot({ path: screenshotPath('refused-expired-link'), fullPage: true });
          expect(await snapshot(sandbox, seen.id ?? '')).toEqual(before);
        },
      );

      const incident = report.incidents.find((i) => i.id === seen.id);
      expect(incident?.acknowledgedBy).toBe(seen.to);
      // Everyone paged about the incident hears who took it, once.
      const pagedTopics = new Set(
        report.pages.filter((p) => p.kind === 'INCIDENT' && p.incidentId === seen.id).map((p) => p.topicArn),
      );
      expect(pagedTopics.size).toBeGreaterThan(0);
      for (const topic of pagedTopics) {
        const notices = report.pages.filter(
          (p) => p.kind === 'ACKNOWLEDGED' && p.incidentId === seen.id && p.topicArn === topic,
        );
        expect(notices.map((p) => p.subject)).toEqual([expect.stringContaining(`by ${seen.to}`)]);
      }
      expect(refused).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);

  it('acknowledges without JavaScript', async () => {
    const seen: { id?: string; to?: string } = {};
    const { context, refused } = await loopbackContext(browser, { javaScriptEnabled: false });
    try {
      const report = await drillWithPage(async (sandbox, first, url) => {
        const tab = await context.newPage();
        await tab.goto(url);
        Object.assign(seen, { id: first.incidentId, to: claimsOf(url).to });
        const [posted] = await Promise.all([
          tab.waitForResponse((r) => r.request().method() === 'POST'),
          tab.getByRole('button', { name: 'Acknowledge' }).click(),
        ]);
        expect(posted.status()).toBe(200);
        await sandbox.settle(sandbox.clock.now());
        await tab.goto(url);
        expect(await fact(tab, 'Acknowledged').innerText()).toMatch(new RegExp(`^${seen.to}, after `));
        await tab.close();
      });
      expect(report.incidents.find((i) => i.id === seen.id)?.acknowledgedBy).toBe(seen.to);
      expect(refused).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);
});
