/**
 * Paging when an address cannot be paged (issue 13): the others still get theirs, a person who could
 * not be paged is covered by the fallback, each failure is on the timeline, and only when nobody at all
 * was reached does the step fail (its Catch then tells the operators). Real IncidentService on
 * dynalite; the pager is a stand-in at its interface that refuses the addresses it is told to.
 */
import { describe, expect, it } from 'vitest';
import type { Pager } from '../../../lambdas/adapters/pager';
import { parseConfig } from '../../../lambdas/contract/config';
import { openIncident } from '../../../lambdas/domain/incident';
import type { Page } from '../../../lambdas/domain/pages';
import { IncidentService } from '../../../lambdas/services/incident-service';
import type { LifecycleDeps } from '../../../lambdas/services/lifecycle/deps';
import { page } from '../../../lambdas/services/lifecycle/paging';
import { ONCALL_DRILL_CONFIG } from '../../../sandbox/scenarios-oncall';
import { useLocalDynamo } from '../../support/local-dynamo';

const SAT_0300_NY = new Date('2026-12-05T08:00:00.000Z');
const config = parseConfig(ONCALL_DRILL_CONFIG, 'on-call drill config');
const dynamo = useLocalDynamo();

class RefusingPager implements Pager {
  readonly sent: string[] = [];
  readonly bodies: string[] = [];
  constructor(private readonly refused: readonly string[]) {}
  async send(address: string, page: Page): Promise<string> {
    if (this.refused.includes(address)) {
      const error = new Error(`Topic does not exist: ${address}`);
      error.name = 'NotFoundException';
      throw error;
    }
    this.sent.push(address);
    this.bodies.push(page.body);
    return `msg-${this.sent.length}`;
  }
}

let count = 0;
const setUp = async (refused: readonly string[], links?: LifecycleDeps['links']) => {
  const pager = new RefusingPager(refused);
  const clock = () => SAT_0300_NY;
  const incidents = new IncidentService(
    dynamo.store,
    { dedupFields: config.dedupKey, reopenWindowMinutes: 30, resolveOnOk: true },
    clock,
  );
  const deps: LifecycleDeps = {
    incidents,
    store: dynamo.store,
    pager,
    callbacks: { succeed: async () => {}, fail: async () => {} },
    config,
    clock,
    escalations: { start: async () => 'arn:aws:states:us-east-1:123456789012:execution:x:y' },
    ...(links ? { links } : {}),
  };
  const incident = openIncident({
    id: `INC-20261205-${String(++count).padStart(3, '0')}`,
    dedupKey: `payments#tasks#${count}`,
    signal: {
      alarmName: 'payments-tasks-below-desired',
      state: 'ALARM',
      at: SAT_0300_NY.toISOString(),
      service: 'payments',
    },
    severity: 'P1',
    severityReason: 'configured P1',
    title: 'payments running tasks below desired',
    now: SAT_0300_NY,
  });
  await dynamo.store.putNewIncident(incident);
  return { deps, pager, incident };
};

describe('paging when an address cannot be paged', () => {
  it('covers the secondary whose topic is gone with the fallback, pages the other tiers, and records the failure', async () => {
    const { deps, pager, incident } = await setUp(['person:carol-diaz']);
    const sent = await page(deps, incident, 'INCIDENT', ['on-call', 'engineering-manager']);
    expect(pager.sent).toEqual(['engineering-manager', 'devops-lead']);
    expect(sent.map((s) => [s.tier, s.to ?? s.tier, s.reason ?? ''])).toEqual([
      ['engineering-manager', 'engineering-manager', ''],
      ['on-call', 'devops-lead', 'fallback: the page to carol-diaz failed'],
    ]);
    const stored = await dynamo.store.getIncident(incident.id);
    expect(stored?.timeline.filter((e) => e.kind === 'error').map((e) => e.summary)).toEqual([
      'page to carol-diaz for on-call failed: NotFoundException: Topic does not exist: person:carol-diaz',
    ]);
  });

  it('fails the step when nobody at all could be paged, with every failure on the timeline', async () => {
    const { deps, incident } = await setUp(['person:carol-diaz', 'devops-lead']);
    await expect(page(deps, incident, 'INCIDENT', ['on-call'])).rejects.toThrow(
      'Topic does not exist: person:carol-diaz',
    );
    const stored = await dynamo.store.getIncident(incident.id);
    expect(stored?.timeline.filter((e) => e.kind === 'error').map((e) => e.summary)).toEqual([
      'page to carol-diaz for on-call failed: NotFoundException: Topic does not exist: person:carol-diaz',
      'page to devops-lead for on-call failed: NotFoundException: Topic does not exist: devops-lead',
    ]);
  });
});

describe('paging when the link signing secret cannot be read', () => {
  const links = (secret: () => Promise<string>): LifecycleDeps['links'] => ({
    baseUrl: 'https://abc.lambda-url.us-east-1.on.aws',
    ttlMinutes: 60,
    newId: () => `jti-${++count}`,
    secret,
  });

  it('still pages everyone, without links (the page names the CLI), and records why on the timeline', async () => {
    const denied = Object.assign(
      new Error('User is not authorized to perform secretsmanager:GetSecretValue'),
      {
        name: 'AccessDeniedException',
      },
    );
    const { deps, pager, incident } = await setUp(
      [],
      links(async () => {
        throw denied;
      }),
    );
    const sent = await page(deps, incident, 'INCIDENT', ['on-call']);

    expect(sent.length).toBeGreaterThan(0);
    expect(pager.bodies.every((b) => !b.includes('lambda-url'))).toBe(true);
    const stored = await dynamo.store.getIncident(incident.id);
    expect(stored?.timeline.filter((e) => e.kind === 'error').map((e) => e.summary)).toEqual([
      'pages go without links: the link signing secret could not be read (AccessDeniedException: User is not authorized to perform secretsmanager:GetSecretValue)',
    ]);
  });

  it('with the secret, every page carries its incident page link and action links', async () => {
    const { deps, pager, incident } = await setUp(
      [],
      links(async () => 'a-signing-secret-of-enough-length-0123456789'),
    );
    await page(deps, incident, 'INCIDENT', ['on-call']);

    expect(pager.bodies.length).toBeGreaterThan(0);
    for (const body of pager.bodies) {
      expect(body).toContain('https://abc.lambda-url.us-east-1.on.aws/i/');
      expect(body).toContain('https://abc.lambda-url.us-east-1.on.aws/a/');
    }
  });
});
