import { beforeEach, describe, expect, it } from 'vitest';
import { RecordingIncidentMetrics } from '../../../lambdas/adapters/incident-metrics';
import type { Pager } from '../../../lambdas/adapters/pager';
import type { ReportWriter, StoredReport } from '../../../lambdas/adapters/report-store';
import type { WorkflowCallbacks } from '../../../lambdas/adapters/workflow-callbacks';
import type { WorkflowStarter } from '../../../lambdas/adapters/workflow-starter';
import { parseConfig } from '../../../lambdas/contract/config';
import { INCIDENT_METRICS } from '../../../lambdas/contract/metrics-design';
import { InvalidTransitionError, ValidationError } from '../../../lambdas/domain/errors';
import {
  type Actor,
  advance,
  applySignal,
  countReminder,
  type Incident,
  openIncident,
  recordPage,
  requirePostMortem,
  type Suppression,
  suppress,
} from '../../../lambdas/domain/incident';
import type { Page } from '../../../lambdas/domain/pages';
import { reportKey } from '../../../lambdas/domain/report';
import type { Severity } from '../../../lambdas/domain/severity';
import { IncidentService } from '../../../lambdas/services/incident-service';
import type { LifecycleDeps } from '../../../lambdas/services/lifecycle/deps';
import {
  planPostMortem,
  postIncident,
  remindPostMortem,
} from '../../../lambdas/services/lifecycle/post-mortem';
import { announce, resolve } from '../../../lambdas/services/lifecycle/steps';
import { endSuppression } from '../../../lambdas/services/lifecycle/suppression';
import { markPostMortemDone } from '../../../lambdas/services/post-incident';
import { DRILL_CONFIG } from '../../../sandbox/scenarios';
import { useLocalDynamo } from '../../support/local-dynamo';

// The record lives in dynalite and goes through the real IncidentService (versioned writes); the
// pager, the workflow starters and the report bucket are recording stand-ins at their interfaces.

const T0 = new Date('2026-11-23T10:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE);
const iso = (d: Date) => d.toISOString();
const pmLine = (due: Date) => `${iso(due).slice(0, 16).replace('T', ' ')} UTC`;

const config = parseConfig(DRILL_CONFIG, 'drill config');
const WORKFLOW: Actor = { type: 'automation', name: 'workflow' };
const ALARM_NAME = 'checkout-tasks-below-desired';

const dynamo = useLocalDynamo();
let now: Date;
const clock = () => now;

beforeEach(() => {
  now = at(0);
});

class RecordingPager implements Pager {
  readonly sent: Array<{ tier: string; page: Page }> = [];
  async send(tier: string, page: Page): Promise<string> {
    this.sent.push({ tier, page });
    return `msg-${this.sent.length}`;
  }
}

class RecordingStarter implements WorkflowStarter {
  readonly starts: Array<{ input: unknown; name?: string }> = [];
  async start(input: unknown, name?: string): Promise<string> {
    this.starts.push({ input, ...(name ? { name } : {}) });
    return `arn:aws:states:us-east-1:123456789012:execution:test:${name ?? `run-${this.starts.length}`}`;
  }
}

class MemoryReports implements ReportWriter {
  readonly objects = new Map<string, string>();
  async put(key: string, markdown: string): Promise<StoredReport> {
    this.objects.set(key, markdown);
    return { uri: `s3://incident-reports/${key}`, url: `https://reports.example.com/${key}` };
  }
  async get(key: string): Promise<string | undefined> {
    return this.objects.get(key);
  }
}

/** The bucket refuses every write, as S3 does when the role lost kms:GenerateDataKey. */
class FailingReports implements ReportWriter {
  async put(): Promise<StoredReport> {
    throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
  }
  async get(): Promise<string | undefined> {
    return undefined;
  }
}

const harness = (
  options: { reports?: ReportWriter; suppressionFor?: LifecycleDeps['suppressionFor'] } = {},
) => {
  const pager = new RecordingPager();
  const postMortems = new RecordingStarter();
  const escalations = new RecordingStarter();
  const metrics = new RecordingIncidentMetrics();
  const reports = options.reports ?? new MemoryReports();
  const callbacks: WorkflowCallbacks = { succeed: async () => {}, fail: async () => {} };
  const incidents = new IncidentService(
    dynamo.store,
    { dedupFields: config.dedupKey, reopenWindowMinutes: config.reopenWindowMinutes, resolveOnOk: true },
    clock,
  );
  const deps: LifecycleDeps = {
    incidents,
    store: dynamo.store,
    pager,
    callbacks,
    config,
    clock,
    escalations,
    postMortems,
    reports,
    metrics,
    ...(options.suppressionFor ? { suppressionFor: options.suppressionFor } : {}),
  };
  return { deps, pager, postMortems, metrics, reports, incidents };
};

let count = 0;
/** A checkout incident opened at minute 0, nobody paged yet. */
const opened = (severity: Severity = 'P1'): Incident => {
  const id = `INC-20261123-${String(++count).padStart(3, '0')}`;
  return openIncident({
    id,
    dedupKey: `checkout#${ALARM_NAME}#${id}`,
    signal: { alarmName: ALARM_NAME, state: 'ALARM', at: iso(at(0)), service: 'checkout' },
    severity,
    severityReason: `configured ${severity}`,
    title: 'checkout running tasks below desired',
    runbookUrl: 'https://runbooks.example.com/checkout/system-down',
    now: at(0),
  });
};

/** A checkout incident opened at minute 0, paged to `tiers`, and waiting for recovery. */
const monitoring = (severity: Severity = 'P1', tiers: readonly string[] = ['on-call']): Incident => {
  let i = opened(severity);
  const { id } = i;
  tiers.forEach((tier, n) => {
    const subject = `[${severity}] ${id} checkout running tasks below desired`;
    i = recordPage(i, { tier, kind: 'INCIDENT', subject, messageId: `m-${n}` }, WORKFLOW, at(1 + n));
  });
  return advance(i, 'MONITORING', WORKFLOW, at(2), 'waiting for the alarm to return to OK');
};

/** `incident` resolved by its OK at `minute`, as the intake records it. */
const resolvedByOk = (incident: Incident, minute: number): Incident =>
  applySignal(
    incident,
    { alarmName: ALARM_NAME, state: 'OK', at: iso(at(minute)), service: 'checkout' },
    { reopenWindowMinutes: 30, resolveOnOk: true },
    at(minute),
  ).incident as Incident;

/** `incident` (RESOLVED) fired again at `minute`: reopened, DETECTED, reopenCount + 1. */
const reopened = (incident: Incident, minute: number): Incident => {
  const applied = applySignal(
    incident,
    { alarmName: ALARM_NAME, state: 'ALARM', at: iso(at(minute)), service: 'checkout' },
    { reopenWindowMinutes: 30, resolveOnOk: true },
    at(minute),
  );
  expect(applied.outcome).toBe('reopened');
  return applied.incident as Incident;
};

/** A P1 resolved at `minute` that owes a post-mortem due 48 h later, owned by `owner`. */
const owingPostMortem = (minute: number, owner = 'on-call'): Incident => {
  const resolved = resolvedByOk(monitoring('P1'), minute);
  return requirePostMortem(resolved, new Date(at(minute).getTime() + 48 * HOUR), owner, WORKFLOW, at(minute));
};

const seed = async (incident: Incident): Promise<Incident> => {
  expect(await dynamo.store.putNewIncident(incident)).toBe(true);
  return (await dynamo.store.getIncident(incident.id)) as Incident;
};

const stored = async (id: string): Promise<Incident> => (await dynamo.store.getIncident(id)) as Incident;

describe('resolve', () => {
  it('a P1: RESOLVED, post-mortem owed to the first tier 48 h on, report written and linked, everyone paged hears it', async () => {
    const { deps, pager, metrics, reports } = harness();
    const incident = await seed(monitoring('P1', ['on-call', 'devops-lead']));
    now = at(30);

    const out = await resolve(deps, incident.id);

    expect(out).toMatchObject({ incidentId: incident.id, status: 'RESOLVED', severity: 'P1' });
    expect(out.notified).toEqual(['on-call', 'devops-lead']);
    const after = await stored(incident.id);
    expect(after.status).toBe('RESOLVED');
    expect(after.statusTimestamps.RESOLVED).toBe(iso(at(30)));
    const due = new Date(at(30).getTime() + 48 * HOUR);
    expect(after.postMortem).toEqual({ due: iso(due), owner: 'on-call', remindersSent: 0 });

    const key = reportKey(after);
    expect(after.report).toMatchObject({
      uri: `s3://incident-reports/${key}`,
      url: `https://reports.example.com/${key}`,
    });
    expect((reports as MemoryReports).objects.get(key)).toContain(incident.id);

    const resolvedPages = pager.sent.filter((s) => s.page.kind === 'RESOLVED');
    expect(resolvedPages.map((s) => s.tier)).toEqual(['on-call', 'devops-lead']);
    for (const { page } of resolvedPages) {
      expect(page.body).toContain(`Report: https://reports.example.com/${key}`);
      expect(page.body).toContain(`Post-Mortem: required, due ${pmLine(due)} (owner on-call)`);
    }
    expect(metrics.records.filter((m) => m.name === INCIDENT_METRICS.names.resolved)).toHaveLength(1);
  });

  it('a retried step (the first attempt paged, then timed out) counts the resolution once and tells nobody twice', async () => {
    const { deps, pager, metrics } = harness();
    const incident = await seed(monitoring('P1', ['on-call', 'devops-lead']));
    now = at(30);
    await resolve(deps, incident.id);
    now = at(31);
    const retried = await resolve(deps, incident.id);

    expect(retried.notified).toEqual([]);
    expect(pager.sent.filter((s) => s.page.kind === 'RESOLVED').map((s) => s.tier)).toEqual([
      'on-call',
      'devops-lead',
    ]);
    expect(metrics.records.filter((m) => m.name === INCIDENT_METRICS.names.resolved)).toHaveLength(1);
  });

  it('a report that cannot be written does not stop the resolution: RESOLVED, paged without the link, the failure on the timeline', async () => {
    const { deps, pager } = harness({ reports: new FailingReports() });
    const incident = await seed(monitoring('P1'));
    now = at(30);

    const out = await resolve(deps, incident.id);

    expect(out.status).toBe('RESOLVED');
    const after = await stored(incident.id);
    expect(after.status).toBe('RESOLVED');
    expect(after.report).toBeUndefined();
    const resolvedPages = pager.sent.filter((s) => s.page.kind === 'RESOLVED');
    expect(resolvedPages.map((s) => s.tier)).toEqual(['on-call']);
    expect(resolvedPages[0]?.page.body).toContain('Report: not written');
    const errors = after.timeline.filter((e) => e.kind === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.summary).toMatch(/incident report not written \(AccessDenied: Access Denied\)/);
  });

  it('resolved again after a reopen, post-mortem still owed: due moves with the new resolution, reminders count afresh; a retry changes nothing', async () => {
    const { deps } = harness();
    // Resolved at minute 30 with one reminder already sent, then reopened at minute 40.
    const before = reopened(countReminder(owingPostMortem(30)), 40);
    expect(before.postMortem).toMatchObject({
      remindersSent: 1,
      due: iso(new Date(at(30).getTime() + 48 * HOUR)),
    });
    const incident = await seed(before);
    now = at(90);

    await resolve(deps, incident.id);

    const after = await stored(incident.id);
    expect(after.status).toBe('RESOLVED');
    expect(after.statusTimestamps.RESOLVED).toBe(iso(at(90)));
    const due = iso(new Date(at(90).getTime() + 48 * HOUR));
    expect(after.postMortem).toEqual({ due, owner: 'on-call', remindersSent: 0 });
    const dueNotes = (i: Incident) => i.timeline.filter((e) => e.details?.postMortemDue !== undefined);
    expect(dueNotes(after).at(-1)?.summary).toContain('post-mortem still owed after resolving again');

    // The step retried a minute later: the due date is the resolution's, not the retry's.
    now = at(91);
    await resolve(deps, incident.id);
    const retried = await stored(incident.id);
    expect(retried.postMortem).toEqual(after.postMortem);
    expect(dueNotes(retried)).toHaveLength(dueNotes(after).length);
    expect(retried.timeline.filter((e) => e.kind === 'status' && e.details?.to === 'RESOLVED')).toHaveLength(
      after.timeline.filter((e) => e.kind === 'status' && e.details?.to === 'RESOLVED').length,
    );
  });
});

describe('postIncident', () => {
  it('starts the post-mortem reminders named per resolution, with the epoch; a retried step uses the same name', async () => {
    const { deps, postMortems } = harness();
    // Reopened once, then resolved again: the reminders of this resolution are epoch 1.
    const twice = requirePostMortem(
      resolvedByOk(reopened(owingPostMortem(30), 40), 60),
      new Date(at(60).getTime() + 48 * HOUR),
      'on-call',
      WORKFLOW,
      at(60),
    );
    const incident = await seed(twice);
    now = at(61);

    const first = await postIncident(deps, incident.id);
    const second = await postIncident(deps, incident.id);

    expect(first).toMatchObject({
      status: 'RESOLVED',
      postMortemDue: iso(new Date(at(60).getTime() + 48 * HOUR)),
    });
    expect(first.closeAt).toBeUndefined();
    expect(second.postMortemDue).toBe(first.postMortemDue);
    const name = `${incident.id}-postmortem-1`;
    expect(postMortems.starts).toEqual([
      { input: { incidentId: incident.id, epoch: 1 }, name },
      { input: { incidentId: incident.id, epoch: 1 }, name },
    ]);
  });

  it('owing no post-mortem: starts nothing and closes after the reopen window', async () => {
    const { deps, postMortems } = harness();
    const incident = await seed(resolvedByOk(monitoring('P3'), 30));
    now = at(31);
    const out = await postIncident(deps, incident.id);
    expect(out.closeAt).toBe(iso(at(30 + config.reopenWindowMinutes)));
    expect(postMortems.starts).toEqual([]);
  });
});

describe('planPostMortem', () => {
  it('the next reminder is (sent + 1) × 24 h after resolution', async () => {
    const { deps } = harness();
    const none = await seed(owingPostMortem(30));
    expect(await planPostMortem(deps, none.id, 0)).toEqual({
      done: false,
      nextAt: iso(new Date(at(30).getTime() + 24 * HOUR)),
    });
    const two = await seed(countReminder(countReminder(owingPostMortem(30))));
    expect(await planPostMortem(deps, two.id, 0)).toEqual({
      done: false,
      nextAt: iso(new Date(at(30).getTime() + 72 * HOUR)),
    });
  });

  it('done once the post-mortem is done', async () => {
    const { deps } = harness();
    const incident = await seed(owingPostMortem(30));
    await markPostMortemDone(deps, incident.id, { doc: 'https://wiki.example.com/pm/1', by: 'alice' });
    expect(await planPostMortem(deps, incident.id, 0)).toMatchObject({ done: true });
  });

  it('done when the incident was reopened since (its epoch is older)', async () => {
    const { deps } = harness();
    const incident = await seed(resolvedByOk(reopened(owingPostMortem(30), 40), 60));
    expect(incident.status).toBe('RESOLVED');
    expect(await planPostMortem(deps, incident.id, 0)).toMatchObject({ done: true });
    expect(await planPostMortem(deps, incident.id, 1)).toMatchObject({ done: false });
  });

  it('done when the incident is not RESOLVED, even in its own epoch', async () => {
    const { deps } = harness();
    const incident = await seed(reopened(owingPostMortem(30), 40));
    expect(incident).toMatchObject({ status: 'DETECTED', reopenCount: 1 });
    expect(await planPostMortem(deps, incident.id, 1)).toMatchObject({ done: true });
  });
});

describe('remindPostMortem', () => {
  it('pages the owner once per due reminder, never twice, and never after the post-mortem is done', async () => {
    const { deps, pager, metrics } = harness();
    // The owner is not a tier that was paged: the reminder goes to the owner, not to everyone.
    const incident = await seed(owingPostMortem(30, 'devops-lead'));
    const resolvedAt = at(30).getTime();
    const reminders = () => pager.sent.filter((s) => s.page.kind === 'POSTMORTEM');

    now = new Date(resolvedAt + 24 * HOUR - 1000);
    expect((await remindPostMortem(deps, incident.id)).reminded).toBe(false);
    expect(pager.sent).toEqual([]);

    now = new Date(resolvedAt + 24 * HOUR);
    expect((await remindPostMortem(deps, incident.id)).reminded).toBe(true);
    expect(reminders().map((s) => s.tier)).toEqual(['devops-lead']);
    expect(reminders()[0]?.page.subject).toContain('POST-MORTEM DUE');
    expect((await stored(incident.id)).postMortem?.remindersSent).toBe(1);

    // The same step retried at the same time: nothing more.
    expect((await remindPostMortem(deps, incident.id)).reminded).toBe(false);
    expect(reminders()).toHaveLength(1);

    // Two reminder workflows wake at once for the second reminder: one page between them.
    now = new Date(resolvedAt + 48 * HOUR);
    const both = await Promise.all([
      remindPostMortem(deps, incident.id),
      remindPostMortem(deps, incident.id),
    ]);
    expect(both.map((r) => r.reminded).sort()).toEqual([false, true]);
    expect(reminders()).toHaveLength(2);
    expect((await stored(incident.id)).postMortem?.remindersSent).toBe(2);
    expect(metrics.records.filter((m) => m.name === INCIDENT_METRICS.names.postMortemReminders)).toHaveLength(
      2,
    );

    await markPostMortemDone(deps, incident.id, { doc: 'https://wiki.example.com/pm/2', by: 'alice' });
    now = new Date(resolvedAt + 72 * HOUR);
    expect((await remindPostMortem(deps, incident.id)).reminded).toBe(false);
    expect(reminders()).toHaveLength(2);
  });
});

describe('markPostMortemDone', () => {
  it('refuses a --doc that is not an http(s) URL and changes nothing', async () => {
    const { deps } = harness();
    const incident = await seed(owingPostMortem(30));
    const error = await markPostMortemDone(deps, incident.id, { doc: 'file:///tmp/pm.md', by: 'alice' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.path)).toEqual(['--doc']);
    expect(await stored(incident.id)).toEqual(incident);
  });

  it('closes the incident even when the report cannot be rewritten, and says so on the record', async () => {
    const { deps } = harness({ reports: new FailingReports() });
    const incident = await seed(owingPostMortem(30));
    now = at(120);
    const out = await markPostMortemDone(deps, incident.id, {
      doc: 'https://wiki.example.com/pm/3',
      by: 'alice',
    });
    expect(out.status).toBe('CLOSED');
    const after = await stored(incident.id);
    expect(after.status).toBe('CLOSED');
    expect(after.postMortem).toMatchObject({ doc: 'https://wiki.example.com/pm/3', doneBy: 'alice' });
    const errors = after.timeline.filter((e) => e.kind === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.summary).toMatch(
      /closed, but the report was not rewritten \(AccessDenied: Access Denied\)/,
    );
  });

  it('refuses an incident that owes no post-mortem', async () => {
    const { deps } = harness();
    const incident = await seed(resolvedByOk(monitoring('P3'), 30));
    await expect(
      markPostMortemDone(deps, incident.id, { doc: 'https://wiki.example.com/pm/4', by: 'alice' }),
    ).rejects.toBeInstanceOf(InvalidTransitionError);
    expect((await stored(incident.id)).status).toBe('RESOLVED');
  });
});

describe('endSuppression', () => {
  const silence = (until: Date, reason = 'database failover drill'): Suppression => ({
    until: iso(until),
    reason,
    source: 'silence',
    by: 'bob',
  });
  /** A P1 recorded at minute 0 under a silence until minute 120; nobody paged. */
  const silenced = (): Incident => {
    return suppress(opened(), silence(at(120)), at(0));
  };

  it('still open with no silence now: handled from now (suppression cleared, DETECTED moved); a retry of the step says the same, another execution does not', async () => {
    const { deps, pager } = harness({ suppressionFor: async () => undefined });
    const incident = await seed(silenced());
    now = at(120);

    const out = await endSuppression(deps, incident.id, iso(at(120)), 'exec-A');

    expect(out).toMatchObject({ handle: true, status: 'DETECTED' });
    expect(out.suppressedUntil).toBeUndefined();
    const after = await stored(incident.id);
    expect(after.suppressed).toBeUndefined();
    expect(after.statusTimestamps.DETECTED).toBe(iso(at(120)));
    expect(after.createdAt).toBe(iso(at(0)));
    expect(pager.sent).toEqual([]);

    now = at(121);
    expect((await endSuppression(deps, incident.id, iso(at(120)), 'exec-A')).handle).toBe(true);
    expect((await endSuppression(deps, incident.id, iso(at(120)), 'exec-B')).handle).toBe(false);
    expect((await stored(incident.id)).version).toBe(after.version);
  });

  it('a suppression that ends later than the one this execution waited for: it waits again for that end, changing nothing', async () => {
    // The record's silence (until minute 120) still covers now: this execution waited for minute 60.
    const { deps } = harness({ suppressionFor: async () => silence(at(120)) });
    const incident = await seed(silenced());
    now = at(60);
    const out = await endSuppression(deps, incident.id, iso(at(60)), 'exec-A');
    expect(out.handle).toBe(false);
    expect(out.suppressedUntil).toBe(iso(at(120)));
    expect(await stored(incident.id)).toEqual(incident);
  });

  it('silenced again, and the step retried after its first attempt moved the end: the retry waits for the new end too', async () => {
    const { deps } = harness({ suppressionFor: async () => silence(at(240), 'failover took longer') });
    const incident = await seed(silenced());
    now = at(120);
    const first = await endSuppression(deps, incident.id, iso(at(120)), 'exec-A');
    now = at(121);
    const retry = await endSuppression(deps, incident.id, iso(at(120)), 'exec-A');
    expect(first.suppressedUntil).toBe(iso(at(240)));
    expect(retry).toMatchObject({ handle: false, suppressedUntil: iso(at(240)) });
  });

  it('silenced again by now: the suppression moves to the new end and the execution waits again', async () => {
    const { deps } = harness({ suppressionFor: async () => silence(at(240), 'failover took longer') });
    const incident = await seed(silenced());
    now = at(120);
    const out = await endSuppression(deps, incident.id, iso(at(120)), 'exec-A');
    expect(out).toMatchObject({ handle: false, suppressedUntil: iso(at(240)), status: 'DETECTED' });
    const after = await stored(incident.id);
    expect(after.suppressed).toMatchObject({ until: iso(at(240)), reason: 'failover took longer' });
    expect(after.statusTimestamps.DETECTED).toBe(iso(at(0)));
  });

  it('recovered during the silence, owing nothing: CLOSED, nobody paged', async () => {
    const { deps, pager, postMortems } = harness({ suppressionFor: async () => undefined });
    const incident = await seed(resolvedByOk(silenced(), 30));
    now = at(120);
    const out = await endSuppression(deps, incident.id, iso(at(120)), 'exec-A');
    expect(out).toMatchObject({ handle: false, status: 'CLOSED' });
    const after = await stored(incident.id);
    expect(after.status).toBe('CLOSED');
    expect(after.suppressed).toBeUndefined();
    expect(after.timeline.at(-1)?.summary).toContain(
      'recorded during a silence and recovered before it ended; nobody was paged',
    );
    expect(pager.sent).toEqual([]);
    expect(postMortems.starts).toEqual([]);
  });

  it('recovered during the silence but still owing a P1 post-mortem from before: not CLOSED, its reminders start', async () => {
    const { deps, postMortems } = harness({ suppressionFor: async () => undefined });
    // Resolved at minute 30 (post-mortem owed), reopened under a silence at 40, recovered at 50.
    const underSilence = suppress(reopened(owingPostMortem(30), 40), silence(at(120)), at(40));
    const incident = await seed(resolvedByOk(underSilence, 50));
    expect(incident).toMatchObject({ status: 'RESOLVED', reopenCount: 1 });
    now = at(120);

    const out = await endSuppression(deps, incident.id, iso(at(120)), 'exec-A');

    expect(out).toMatchObject({ handle: false, status: 'RESOLVED' });
    const after = await stored(incident.id);
    expect(after.status).toBe('RESOLVED');
    expect(after.suppressed).toBeUndefined();
    expect(after.postMortem?.doneAt).toBeUndefined();
    expect(postMortems.starts).toEqual([
      { input: { incidentId: incident.id, epoch: 1 }, name: `${incident.id}-postmortem-1` },
    ]);

    // A retry of this step (say the start was throttled) starts them again under the same name, so
    // Step Functions runs them once; another execution starts nothing.
    await endSuppression(deps, incident.id, iso(at(120)), 'exec-A');
    await endSuppression(deps, incident.id, iso(at(120)), 'exec-B');
    expect(postMortems.starts.map((s) => s.name)).toEqual([
      `${incident.id}-postmortem-1`,
      `${incident.id}-postmortem-1`,
    ]);
  });
});

describe('announce: a retried step pages once and starts one escalation policy', () => {
  it('the second run of Announce sends nothing more and starts the policy under the same execution name', async () => {
    const { deps, pager } = harness();
    const escalations = deps.escalations as RecordingStarter;
    const incident = opened();
    expect(await dynamo.store.putNewIncident(incident)).toBe(true);

    const first = await announce(deps, incident.id);
    const second = await announce(deps, incident.id);

    expect(first.paged).toEqual(['on-call']);
    expect(second.paged).toEqual([]);
    expect(pager.sent.map((s) => [s.tier, s.page.kind])).toEqual([['on-call', 'INCIDENT']]);
    // Step Functions starts one execution per name: the retry's StartExecution starts nothing.
    expect(escalations.starts.map((s) => s.name)).toEqual([
      `${incident.id}-escalation-0`,
      `${incident.id}-escalation-0`,
    ]);
  });
});
