import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { incidentPageIn } from '../../cli/serving';
import { runDrill } from '../../sandbox/drill';
import type { Sandbox } from '../../sandbox/sandbox';
import { DRILL_CONFIG, SCENARIOS } from '../../sandbox/scenarios';
import { runCli } from '../support/cli';
import { alarmStateChange } from '../support/events';
import { minute, withSandbox } from '../support/sandbox';

const STATUS_PAGE = {
  title: 'Example status',
  components: [{ name: 'Checkout API', services: ['checkout'] }],
};
const config = (statusPage: Record<string, unknown> = {}) => ({
  ...DRILL_CONFIG,
  automation: { allowlist: [] },
  statusPage: { ...STATUS_PAGE, ...statusPage },
});
const SITE = ['history.atom', 'index.html', 'status.json'];

/** An alarm at minute 1, announced by the synthesized workflow: P1 (no running tasks) or P3 (CPU). */
const open = async (sandbox: Sandbox, alarm: string): Promise<string> => {
  await sandbox.clock.advanceTo(minute(1));
  const record = sandbox.deliver(alarmStateChange(alarm, 'ALARM', minute(1)));
  await sandbox.settle(minute(2));
  const id = record.intake?.incidentId;
  if (id === undefined) throw new Error(`${alarm} opened no incident`);
  return id;
};
const openP1 = (sandbox: Sandbox) => open(sandbox, 'checkout-tasks-below-desired');

const resolve = async (sandbox: Sandbox, id: string) => {
  await sandbox.clock.advanceTo(minute(5));
  await sandbox.resolve(id, 'alice');
  await sandbox.settle(minute(60));
};

const bucket = (sandbox: Sandbox): string => {
  if (!sandbox.s3.statusBucket) throw new Error('the sandbox has no status bucket');
  return sandbox.s3.statusBucket;
};
const statusJson = async (sandbox: Sandbox) =>
  JSON.parse(await sandbox.s3.text(bucket(sandbox), 'status.json')) as {
    status: { indicator: string };
    components: { name: string; status: string }[];
    incidents: { id: string; status: string }[];
  };

/** The URL on the line after `label` in a page body. */
const linkAfter = (body: string, label: RegExp): string | undefined => {
  const lines = body.split('\n');
  const at = lines.findIndex((l) => label.test(l));
  return at < 0
    ? undefined
    : lines
        .slice(at + 1)
        .find((l) => l.trim().startsWith('http'))
        ?.trim();
};
const PUBLISH = /^Publish to the status page:$/;

/** The page as the deploy seeded it (lib/constructs/status-site.ts), played by the sandbox at boot. */
const SEED_WRITES = 3;
const asDeployed = async (sandbox: Sandbox) => {
  expect(await sandbox.s3.keys(bucket(sandbox))).toEqual(SITE);
  expect(await statusJson(sandbox)).toMatchObject({
    status: { indicator: 'none' },
    components: [expect.objectContaining({ name: 'Checkout API', status: 'operational' })],
    incidents: [],
  });
  expect(await sandbox.s3.text(bucket(sandbox), 'index.html')).toContain('No open incidents.');
};
const writesTo = (sandbox: Sandbox) => sandbox.s3.writes.filter((w) => w.bucket === bucket(sandbox));

describe('the status page through the synthesized workflow', () => {
  it('a P1 waits for the one click in the INCIDENT page, then shows the component in major outage; resolved, operational; every object max-age=30', async () => {
    await withSandbox({ config: config() }, async (sandbox) => {
      // Before any incident: the page the deploy wrote, every component operational.
      await asDeployed(sandbox);
      expect(
        writesTo(sandbox)
          .map((w) => w.key)
          .sort(),
      ).toEqual(SITE);
      const id = await openP1(sandbox);
      await asDeployed(sandbox);
      const [incidentPage] = (await sandbox.sns.drain()).filter((p) => p.kind === 'INCIDENT');
      const publish = linkAfter(incidentPage?.body ?? '', PUBLISH);
      expect(publish?.startsWith(`${sandbox.responder.baseUrl}/a/`)).toBe(true);

      expect((await fetch(publish ?? '')).status).toBe(200);
      await asDeployed(sandbox);
      const clicked = await fetch(publish ?? '', { method: 'POST', body: '' });
      expect(clicked.status).toBe(200);
      expect(await sandbox.s3.keys(bucket(sandbox))).toEqual(SITE);
      const during = await statusJson(sandbox);
      expect(during.components).toEqual([
        expect.objectContaining({ name: 'Checkout API', status: 'major_outage' }),
      ]);
      expect(during.status.indicator).toBe('critical');
      expect(during.incidents).toEqual([expect.objectContaining({ id, status: 'investigating' })]);
      expect((await fetch(publish ?? '', { method: 'POST', body: '' })).status).toBe(403);

      await resolve(sandbox, id);
      const after = await statusJson(sandbox);
      expect(after.components).toEqual([expect.objectContaining({ status: 'operational' })]);
      expect(after.incidents).toEqual([]);
      const atom = await sandbox.s3.text(bucket(sandbox), 'history.atom');
      expect(atom.match(/<entry>/g)).toHaveLength(1);
      expect(atom).toContain('Resolved (');
      expect(atom).toContain('Investigating (');
      expect(await sandbox.s3.text(bucket(sandbox), 'index.html')).toContain(
        'Checkout API: <span class="s operational">Operational</span>',
      );

      const writes = writesTo(sandbox);
      expect(writes).toHaveLength(SEED_WRITES + 6);
      expect(new Set(writes.map((w) => w.cacheControl))).toEqual(new Set(['max-age=30']));
      expect(Object.fromEntries(writes.map((w) => [w.key, w.contentType]))).toEqual({
        'index.html': 'text/html; charset=utf-8',
        'status.json': 'application/json; charset=utf-8',
        'history.atom': 'application/atom+xml; charset=utf-8',
      });
      const { failures } = sandbox.executionSummary();
      expect(failures).toEqual([]);
    });
  }, 60_000);

  it('the incident page shows the Publish button while the draft waits; resolved first, the draft is dropped and a click is a 409', async () => {
    await withSandbox({ config: config() }, async (sandbox) => {
      const id = await openP1(sandbox);
      const [incidentPage] = (await sandbox.sns.drain()).filter((p) => p.kind === 'INCIDENT');
      const publish = linkAfter(incidentPage?.body ?? '', PUBLISH) ?? '';
      const view = await fetch(incidentPageIn(incidentPage?.body ?? '') ?? '');
      expect(await view.text()).toContain('>Publish to the status page</button>');

      await resolve(sandbox, id);
      expect((await fetch(publish, { method: 'POST', body: '' })).status).toBe(409);
      await asDeployed(sandbox);
      expect(writesTo(sandbox)).toHaveLength(SEED_WRITES);
      expect((await sandbox.incident(id))?.timeline.map((e) => e.summary)).toContain(
        'status page: the first post was never confirmed and is dropped (resolved first)',
      );
    });
  }, 60_000);

  it("with statusPage.region, the bundles publish to the status stack's bucket by its name, in that region", async () => {
    await withSandbox(
      { config: config({ confirmFirstPost: false, region: 'eu-central-1' }) },
      async (sandbox) => {
        // The sandbox runs the incident stack only: its S3 stand-in holds the status stack's bucket by
        // the name both stacks derive (and ignores the region the functions sign for).
        expect(bucket(sandbox)).toMatch(/^incidentresponsesandbox-status-\d{12}-eu-central-1$/);
        const id = await openP1(sandbox);
        expect(await sandbox.s3.keys(bucket(sandbox))).toEqual(SITE);
        expect((await statusJson(sandbox)).incidents).toEqual([
          expect.objectContaining({ id, status: 'investigating' }),
        ]);
      },
    );
  }, 60_000);

  it('a P3 publishes nothing and its page carries no publish link', async () => {
    await withSandbox({ config: config() }, async (sandbox) => {
      const id = await open(sandbox, 'checkout-cpu');
      expect((await sandbox.incident(id))?.severity).toBe('P3');
      const pages = await sandbox.sns.drain();
      expect(pages.some((p) => p.body.includes('Publish to the status page'))).toBe(false);
      await resolve(sandbox, id);
      await asDeployed(sandbox);
      expect(writesTo(sandbox)).toHaveLength(SEED_WRITES);
    });
  }, 60_000);

  it('with confirmFirstPost false a P1 publishes at once, with no link to click', async () => {
    await withSandbox({ config: config({ confirmFirstPost: false }) }, async (sandbox) => {
      const id = await openP1(sandbox);
      const pages = await sandbox.sns.drain();
      expect(pages.some((p) => p.body.includes('Publish to the status page'))).toBe(false);
      expect((await statusJson(sandbox)).components).toEqual([
        expect.objectContaining({ status: 'major_outage' }),
      ]);
      await resolve(sandbox, id);
      expect((await statusJson(sandbox)).components).toEqual([
        expect.objectContaining({ status: 'operational' }),
      ]);
    });
  }, 60_000);

  it('a status bucket refusing writes leaves the incident RESOLVED, the failure on the timeline and the operators paged', async () => {
    await withSandbox({ config: config({ confirmFirstPost: false }) }, async (sandbox) => {
      sandbox.s3.refuseWrites(bucket(sandbox));
      const id = await openP1(sandbox);
      await resolve(sandbox, id);

      const incident = await sandbox.incident(id);
      expect(incident?.status).toBe('RESOLVED');
      const errors = incident?.timeline.filter(
        (e) => e.kind === 'error' && e.details?.step === 'status-page',
      );
      expect(errors?.map((e) => e.summary)).toEqual([
        expect.stringContaining(
          'status page: writing the site failed (StatusSiteWriteError: index.html (AccessDenied',
        ),
        expect.stringContaining(
          'status page: writing the site failed (StatusSiteWriteError: index.html (AccessDenied',
        ),
      ]);
      const told = (await sandbox.sns.allPages()).filter(
        (p) => p.kind === 'ESCALATION' && p.body.includes('the status page was not updated'),
      );
      expect(told.length).toBeGreaterThan(0);
      expect(sandbox.executionSummary().failures).toEqual([]);
    });
  }, 60_000);
});

describe('a status page write that fails half-way', () => {
  it('names the object left behind, tells the operators, and the next post rewrites all three', async () => {
    await withSandbox({ config: config({ confirmFirstPost: false }) }, async (sandbox) => {
      sandbox.s3.refuseWrites(bucket(sandbox), 'index.html');
      const id = await openP1(sandbox);
      // Mixed: index.html is still the deploy's, status.json already has the incident.
      expect(await sandbox.s3.text(bucket(sandbox), 'index.html')).toContain('No open incidents.');
      expect((await statusJson(sandbox)).incidents).toEqual([expect.objectContaining({ id })]);
      const [failure] =
        (await sandbox.incident(id))?.timeline.filter(
          (e) => e.kind === 'error' && e.details?.step === 'status-page',
        ) ?? [];
      expect(failure?.summary).toMatch(
        /^status page: writing the site failed \(StatusSiteWriteError: index\.html \(AccessDenied: .*\) not written; status\.json, history\.atom written, so the page is mixed until the next post rewrites all three\)$/,
      );
      const told = (await sandbox.sns.allPages()).filter(
        (p) => p.kind === 'ESCALATION' && p.body.includes('index.html'),
      );
      expect(told.length).toBeGreaterThan(0);

      sandbox.s3.allowWrites(bucket(sandbox));
      await resolve(sandbox, id);
      expect(await sandbox.s3.keys(bucket(sandbox))).toEqual(SITE);
      expect(await sandbox.s3.text(bucket(sandbox), 'index.html')).toContain(
        'Checkout API: <span class="s operational">Operational</span>',
      );
      expect((await sandbox.incident(id))?.status).toBe('RESOLVED');
      expect(sandbox.executionSummary().failures).toEqual([]);
    });
  }, 60_000);
});

describe('incident status-page --out DIR', () => {
  it("renders the store's status page into DIR with the config's components: the P1 in major outage", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'status-page-'));
    const db = join(dir, 'db');
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(config({ confirmFirstPost: false })));
    const written = await withSandbox(
      { config: config({ confirmFirstPost: false }), dbPath: db },
      async (sandbox) => {
        await openP1(sandbox);
        return sandbox.s3.text(bucket(sandbox), 'status.json');
      },
    );

    const out = join(dir, 'site');
    const result = await runCli('status-page', '--db', db, '--config', file, '--out', out);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toContain('Major Service Outage, 1 open incident');
    expect(readFileSync(join(out, 'status.json'), 'utf8')).toBe(written);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('Major outage');
    expect(readFileSync(join(out, 'history.atom'), 'utf8')).toContain('<entry>');

    const without = join(dir, 'no-status.json');
    writeFileSync(without, JSON.stringify(DRILL_CONFIG));
    expect((await runCli('status-page', '--db', db, '--config', without)).code).toBe(2);
  }, 60_000);
});

describe('a drill with a status page', () => {
  it('bad-deploy with its first post confirmed after the diagnosis catches up at once: investigating, then identified', async () => {
    const scenario = SCENARIOS['bad-deploy'];
    if (!scenario) throw new Error('no bad-deploy scenario');
    const dir = join(mkdtempSync(join(tmpdir(), 'drill-status-')), 'status');
    const seen: { identifiedBefore?: boolean; clicked?: number } = {};
    const report = await runDrill(
      { ...scenario, config: config() },
      {
        start: minute(0),
        statusDir: dir,
        // By minute 20 the workflow has diagnosed the bad deploy and waits for recovery (nothing may
        // roll back here), while the first post still waits for its click.
        hooks: [
          {
            atMinute: 20,
            run: async (sandbox) => {
              const [incidentPage] = (await sandbox.sns.drain()).filter((p) => p.kind === 'INCIDENT');
              const before = await sandbox.incident(incidentPage?.incidentId ?? '');
              seen.identifiedBefore = before?.timeline.some((e) => e.summary.includes('posted identified'));
              const publish = linkAfter(incidentPage?.body ?? '', PUBLISH) ?? '';
              seen.clicked = (await fetch(publish, { method: 'POST', body: '' })).status;
            },
          },
        ],
      },
    );

    expect(seen).toEqual({ identifiedBefore: false, clicked: 200 });
    const [incident] = report.incidents;
    const json = JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8'));
    expect(json.incidents).toEqual([expect.objectContaining({ id: incident?.id, status: 'identified' })]);
    const atom = readFileSync(join(dir, 'history.atom'), 'utf8');
    expect(atom).toContain('Investigating (');
    expect(atom).toContain('Identified (');
    expect(incident?.timeline.map((e) => e.summary)).toContain(
      'status page: posted investigating, then identified',
    );
  }, 60_000);

  it('writes the same files to its statusDir: bad-deploy (a P2, still monitoring at its end) in partial outage, its cause identified', async () => {
    const scenario = SCENARIOS['bad-deploy'];
    if (!scenario) throw new Error('no bad-deploy scenario');
    const dir = join(mkdtempSync(join(tmpdir(), 'drill-status-')), 'status');
    const report = await runDrill(
      { ...scenario, config: config({ confirmFirstPost: false }) },
      { start: minute(0), statusDir: dir },
    );

    const [incident] = report.incidents;
    expect(incident).toMatchObject({ severity: 'P2', status: 'MONITORING' });
    const json = JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8'));
    expect(json.components).toEqual([expect.objectContaining({ status: 'partial_outage' })]);
    // Nothing may roll checkout back here: the diagnosis names the bad deploy (identified), nothing
    // mitigated it, so it is not monitoring.
    expect(json.incidents).toEqual([expect.objectContaining({ id: incident?.id, status: 'identified' })]);
    const atom = readFileSync(join(dir, 'history.atom'), 'utf8');
    expect(atom).toContain('Investigating (');
    expect(atom).toContain('Identified (');
    expect(atom).not.toContain('Monitoring (');
    expect(incident?.timeline.map((e) => e.summary)).toContain('status page: posted identified');
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('Partial outage');
  }, 60_000);
});
