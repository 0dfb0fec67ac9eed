import { describe, expect, it } from 'vitest';
import { INCIDENT_PAGE_LABEL } from '../../lambdas/domain/page-email';
import { DRILL_CONFIG } from '../../sandbox/scenarios';
import { alarmStateChange } from '../support/events';
import { START, withSandbox } from '../support/sandbox';

const alarm = () => alarmStateChange('checkout-error-rate', 'ALARM', new Date('2026-11-23T10:01:00.000Z'));

/** The URL on the line after `label` in a page body. */
const linkAfter = (body: string, label: RegExp): string => {
  const lines = body.split('\n');
  const at = lines.findIndex((l) => label.test(l));
  const url = lines.slice(at + 1).find((l) => l.trim().startsWith('http'));
  if (at < 0 || !url) throw new Error(`no link after ${label} in:\n${body}`);
  return url.trim();
};

describe('one-click links in a delivered page, against the endpoint on loopback', () => {
  it('GET confirms and changes nothing; POST acknowledges and everyone paged hears it; the link then is spent; a tampered one is refused', async () => {
    await withSandbox({ config: { ...DRILL_CONFIG, automation: { allowlist: [] } } }, async (sandbox) => {
      await sandbox.clock.advanceTo(new Date(START.getTime() + 60_000));
      const record = sandbox.deliver(alarm());
      await sandbox.settle(sandbox.clock.now());
      const id = record.intake?.incidentId ?? '';
      const [incidentPage] = await sandbox.sns.drain();
      expect(incidentPage?.kind).toBe('INCIDENT');
      const ack = linkAfter(incidentPage?.body ?? '', /^Acknowledge \(take ownership\):$/);
      expect(ack.startsWith(`${sandbox.responder.baseUrl}/a/`)).toBe(true);

      const before = await sandbox.incident(id);
      const confirm = await fetch(ack);
      expect(confirm.status).toBe(200);
      expect(await confirm.text()).toContain(id);
      expect((await sandbox.incident(id))?.version).toBe(before?.version);

      const acted = await fetch(ack, {
        method: 'POST',
        body: 'note=on+it',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(acted.status).toBe(200);
      await sandbox.settle(sandbox.clock.now());
      const acked = await sandbox.incident(id);
      expect(acked?.acknowledgedBy).toBe('on-call');
      expect(acked?.status).not.toBe('DETECTED');
      const notices = (await sandbox.sns.drain()).filter((p) => p.kind === 'ACKNOWLEDGED');
      expect(notices.map((p) => p.tier)).toEqual(acked?.pagedTiers);
      // The responder function sent these notices itself: their incident page links point back at the
      // origin the click arrived at, and open the page showing who acknowledged.
      for (const notice of notices) {
        const page = linkAfter(notice.body, new RegExp(`^${INCIDENT_PAGE_LABEL.replace(/[()]/g, '\\$&')}$`));
        expect(page.startsWith(`${sandbox.responder.baseUrl}/i/`)).toBe(true);
        const opened = await fetch(page);
        expect(opened.status).toBe(200);
        expect(await opened.text()).toMatch(/acknowledged by on-call/i);
      }

      const replay = await fetch(ack, { method: 'POST', body: '' });
      expect(replay.status).toBe(403);
      const [payload = '', signature = ''] = ack.split('/a/')[1]?.split('.') ?? [];
      const tampered = `${sandbox.responder.baseUrl}/a/${payload.slice(0, -2)}xx.${signature}`;
      expect((await fetch(tampered, { method: 'POST', body: '' })).status).toBe(403);
      expect((await sandbox.incident(id))?.version).toBe(acked?.version);
    });
  }, 60_000);
});
