import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { incidentPageIn, servingFile } from '../../cli/serving';
import type { ViewClaims } from '../../lambdas/domain/responder-actions';
import { INCIDENT_PAGE_CSP } from '../../lambdas/web/incident-page-html';
import { runDrill } from '../../sandbox/drill';
import type { Sandbox } from '../../sandbox/sandbox';
import { SCENARIOS } from '../../sandbox/scenarios';
import { START } from '../support/sandbox';

const scenario = SCENARIOS['bad-deploy'];
if (!scenario) throw new Error('no bad-deploy scenario');

/** The claims of a link, read without checking the signature (the endpoint checks it). */
const claimsOf = (url: string): ViewClaims =>
  JSON.parse(Buffer.from(url.split('/').at(-1)?.split('.')[0] ?? '', 'base64url').toString('utf8'));

/** The signed URL of the button labelled `label` on a rendered incident page. */
const buttonUrl = (html: string, label: string): string | undefined =>
  html.match(new RegExp(`<button type="submit" formaction="([^"]+)">${label}</button>`))?.[1];

describe('the incident page of a drill, on the loopback endpoint', () => {
  it("opens from the first page's link, shows the timeline, and acknowledges through its button", async () => {
    const seen: { id?: string; to?: string; before?: string; after?: string } = {};
    const report = await runDrill(scenario, {
      start: START,
      // At the first minute that has a page, while the incident is still open.
      hooks: Array.from({ length: scenario.durationMinutes }, (_, atMinute) => ({
        atMinute,
        run: async (sandbox: Sandbox) => {
          const [first] = await sandbox.sns.allPages();
          if (!first || seen.id) return;
          expect(first?.kind).toBe('INCIDENT');
          const url = incidentPageIn(first?.body ?? '');
          expect(url?.startsWith(`${sandbox.responder.baseUrl}/i/`)).toBe(true);
          expect(first?.sms).not.toContain('/i/');
          const page = await fetch(url ?? '');
          expect(page.status).toBe(200);
          expect(page.headers.get('content-security-policy')).toBe(INCIDENT_PAGE_CSP);
          const html = await page.text();
          const incident = await sandbox.incident(first?.incidentId ?? '');
          expect(html).toContain(`<h1>${incident?.id}: `);
          const timeline = html.slice(html.indexOf('<h2>Timeline</h2>'));
          expect(incident?.timeline.length).toBeGreaterThan(1);
          for (const entry of incident?.timeline ?? [])
            expect(timeline).toContain(`<strong>${entry.kind}</strong> ${entry.actor.name}: `);
          seen.id = incident?.id;
          seen.to = claimsOf(url ?? '').to;
          seen.before = html;

          const ack = buttonUrl(html, 'Acknowledge');
          expect(ack?.startsWith(`${sandbox.responder.baseUrl}/a/`)).toBe(true);
          const posted = await fetch(ack ?? '', {
            method: 'POST',
            body: 'note=from+the+incident+page',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          });
          expect(posted.status).toBe(200);
          await sandbox.settle(sandbox.clock.now());
          seen.after = await (await fetch(url ?? '')).text();
          // The button worked once.
          expect((await fetch(ack ?? '', { method: 'POST', body: '' })).status).toBe(403);
        },
      })),
    });

    expect(seen.id).toBeDefined();
    expect(seen.before).toContain('<dt>Acknowledged</dt><dd>Not yet');
    // The drill's tier has no schedule: the tier itself is on call, as its page went to it.
    expect(seen.before).toContain(`<dt>On call</dt><dd>${seen.to}</dd>`);
    expect(seen.before).toContain('href="https://runbooks.example.com/checkout/high-error-rate"');
    // The stack's incidents dashboard, in the region the functions run in.
    expect(seen.before).toContain(
      'href="https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/IncidentResponseSandbox-incidents"',
    );
    expect(seen.after).toContain(`<dt>Acknowledged</dt><dd>${seen.to}, after`);
    expect(seen.after).toContain(`${seen.to}: from the incident page`);
    const incident = report.incidents.find((i) => i.id === seen.id);
    expect(incident?.acknowledgedBy).toBe(seen.to);
    expect(incident?.statusTimestamps.ACKNOWLEDGED).toBeDefined();
    expect(incident?.timeline.some((e) => e.summary === `${seen.to}: from the incident page`)).toBe(true);
    // Everyone paged hears who took it.
    expect(report.pages.some((p) => p.kind === 'ACKNOWLEDGED' && p.subject.includes(`by ${seen.to}`))).toBe(
      true,
    );
  }, 120_000);
});

describe('incident drill --serve and incident open', () => {
  it('keeps the endpoint up after the drill until interrupted; open prints a page URL that works until then', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'incident-open-')), 'db');
    const out: string[] = [];
    const err: string[] = [];
    const stop = new AbortController();
    const served = main(['drill', '--scenario', 'bad-deploy', '--serve', '--db', db], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      until: stop.signal,
    });
    const deadline = Date.now() + 100_000;
    while (!out.join('').includes('Incident pages:')) {
      if (Date.now() > deadline)
        throw new Error(`drill --serve never served:\n${out.join('')}${err.join('')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const listed = out.join('').match(/^ {2}(INC-\d{8}-\d{3}): (http:\/\/127\.0\.0\.1:\d+\/i\/\S+)$/m);
    const [, id = '', printed = ''] = listed ?? [];
    expect(id).not.toBe('');

    const opened: string[] = [];
    expect(
      await main(['open', id, '--db', db, '--json'], { out: (t) => opened.push(t), err: () => {} }),
    ).toBe(0);
    const { url } = JSON.parse(opened.join('')) as { url: string };
    expect(url).toBe(printed);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`<h1>${id}: `);
    expect(html).toContain('<h2>Timeline</h2>');
    expect(html).toContain('<dt>Status</dt><dd>RESOLVED</dd>');

    stop.abort();
    expect(await served).toBe(0);
    expect(out.join('')).toContain('Stopped serving');
    expect(existsSync(servingFile(db))).toBe(false);
    const refused: string[] = [];
    expect(await main(['open', id, '--db', db], { out: () => {}, err: (t) => refused.push(t) })).toBe(1);
    expect(refused.join('')).toContain('no sandbox responder is up');
    await expect(fetch(url)).rejects.toThrow();
  }, 180_000);
});
