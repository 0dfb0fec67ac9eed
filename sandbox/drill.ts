/**
 * Plays a scenario in the sandbox, one simulated minute at a time: apply the scenario's changes,
 * evaluate the alarms, deliver their state changes to the workflow, let everything run, and report
 * what happened (scenario steps, alarm changes, timeline entries, pages) as it happens.
 */
import { StatusPageStore } from '../lambdas/adapters/status-page-store';
import { DirectoryStatusSite, statusSiteFiles } from '../lambdas/adapters/status-site';
import type { Incident, TimelineEntry } from '../lambdas/domain/incident';
import type { DeliveredPage } from './local-aws/sns';
import { type ExecutionSummary, type Fault, Sandbox } from './sandbox';
import type { Scenario } from './scenarios';
import type { AdminCall } from './sim-admin';
import type { FunctionCall } from './sim-functions';

export type DrillEvent =
  | {
      readonly kind: 'step';
      readonly at: string;
      readonly actor: 'environment' | 'responder';
      readonly text: string;
    }
  | {
      readonly kind: 'alarm';
      readonly at: string;
      readonly alarmName: string;
      readonly from: string;
      readonly to: string;
    }
  | { readonly kind: 'timeline'; readonly incidentId: string; readonly entry: TimelineEntry }
  | { readonly kind: 'page'; readonly page: DeliveredPage };

export interface DrillReport {
  readonly scenario: string;
  /** Mutating ECS calls the simulated ECS received (rollback, restart, scale). */
  readonly ecsCalls: ReadonlyArray<{
    readonly at: string;
    readonly call: string;
    readonly service: string;
    readonly detail: string;
  }>;
  /** Calls the services' admin endpoints received (`http` custom actions). */
  readonly adminCalls: readonly AdminCall[];
  /** Invocations the teams' functions received (`lambda` custom actions). */
  readonly functionCalls: readonly FunctionCall[];
  /** SSM Automation executions the `ssm-automation` custom actions started, as they ended. */
  readonly runbooks: ReadonlyArray<{
    readonly documentName: string;
    readonly documentVersion: string;
    readonly parameters: Readonly<Record<string, readonly string[]>>;
    readonly startedAt: string;
    readonly status: string;
  }>;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly incidents: readonly Incident[];
  readonly pages: readonly DeliveredPage[];
  readonly deliveries: {
    readonly total: number;
    readonly byOutcome: Readonly<Record<string, number>>;
    /** Delivered events whose intake never reported: lost. */
    readonly lost: number;
  };
  /**
   * Pages that go once per firing (INCIDENT, ACKNOWLEDGED, RESOLVED) sent again to the same address
   * for the same incident firing. ESCALATION and UPDATE pages repeat by design (a policy step's
   * repeats, the status cadence), so they are not counted.
   */
  readonly duplicatePages: number;
  /**
   * Executions of any workflow (lifecycle, escalation, post-mortem) that ended other than SUCCEEDED:
   * each is a path on which AWS would have failed too. A drill with any exits non-zero.
   */
  readonly failedExecutions: number;
  readonly executions: ExecutionSummary;
}

export interface DrillOptions {
  readonly start?: Date;
  readonly faults?: Readonly<Record<string, Fault>>;
  readonly dbPath?: string;
  /**
   * Where the status page is also written as files after the drill, when the config has `statusPage`
   * (the CLI's `.sandbox/status`, beside the store). @default none
   */
  readonly statusDir?: string;
  readonly onEvent?: (event: DrillEvent) => void;
  /** Deliveries started at once before the sandbox settles (EventBridge's parallel delivery). @default 100 */
  readonly deliveryBatch?: number;
  /** Errors the simulated AWS APIs throw, by command. @default none */
  readonly awsFaults?: Readonly<Record<string, string>>;
  /** Things done to the sandbox at a minute, after the scenario's steps: a responder's answer, seeded history. */
  readonly hooks?: ReadonlyArray<{
    readonly atMinute: number;
    readonly run: (sandbox: Sandbox) => Promise<void>;
  }>;
  /**
   * Let executions fail without failing the drill: the report counts them. @default false, so a
   * failed execution fails the drill when it stops (a test means a failure only by saying so)
   */
  readonly allowFailedExecutions?: boolean;
  /** Runs after the scenario's last minute, before the sandbox stops: what happens days later (post-mortem). */
  readonly afterwards?: (sandbox: Sandbox) => Promise<void>;
  /**
   * Runs with the finished report while the sandbox is still up, and the sandbox stops when it
   * settles: `incident drill --serve` keeps the responder endpoint up this way until Ctrl-C.
   * @default the sandbox stops as soon as the report is made
   */
  readonly serve?: (sandbox: Sandbox, report: DrillReport) => Promise<void>;
}

const minute = 60_000;

interface AlarmEventShape {
  detail?: { alarmName?: string; state?: { value?: string }; previousState?: { value?: string } };
}

const ONCE_PER_FIRING: readonly string[] = ['INCIDENT', 'ACKNOWLEDGED', 'RESOLVED'];

export const countDuplicatePages = (
  pages: readonly DeliveredPage[],
  incidents: readonly Incident[],
): number => {
  const reopenCount = new Map(incidents.map((i) => [i.id, i.reopenCount]));
  const counts = new Map<string, number>();
  for (const p of pages) {
    if (p.kind === undefined || !ONCE_PER_FIRING.includes(p.kind)) continue;
    const key = `${p.incidentId}|${p.kind}|${p.tier}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let duplicates = 0;
  for (const [key, n] of counts) {
    // A reopened incident is announced once per firing: that is a page, not a duplicate.
    const allowed = 1 + (reopenCount.get(key.split('|')[0] ?? '') ?? 0);
    duplicates += Math.max(0, n - allowed);
  }
  return duplicates;
};

export const runDrill = async (scenario: Scenario, options: DrillOptions = {}): Promise<DrillReport> => {
  const from = options.start ?? scenario.start?.(new Date()) ?? new Date();
  const start = new Date(Math.floor(from.getTime() / minute) * minute);
  const sandbox = await Sandbox.start({
    config: scenario.config,
    start,
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.dbPath ? { dbPath: options.dbPath } : {}),
    ...(options.awsFaults ? { awsFaults: options.awsFaults } : {}),
    ...(options.allowFailedExecutions !== undefined
      ? { allowFailedExecutions: options.allowFailedExecutions }
      : {}),
  });
  const emit = options.onEvent ?? (() => undefined);
  const batch = options.deliveryBatch ?? 100;
  const seen = new Map<string, number>();
  const touched = new Set<string>();
  const deliveries = scenario.deliveries?.(start) ?? [];

  const deliver = async (events: readonly unknown[]) => {
    for (let i = 0; i < events.length; i += batch) {
      for (const event of events.slice(i, i + batch)) sandbox.deliver(event);
      await sandbox.settle(sandbox.clock.now());
    }
  };

  const report = async () => {
    for (const d of sandbox.deliveries) if (d.intake?.incidentId) touched.add(d.intake.incidentId);
    // With nobody listening there is nothing to narrate: the report reads incidents and pages at the end.
    if (!options.onEvent) return;
    const entries: Array<{ incidentId: string; entry: TimelineEntry }> = [];
    for (const id of touched) {
      const incident = await sandbox.incident(id);
      for (const entry of incident?.timeline ?? []) {
        if (entry.seq > (seen.get(id) ?? 0)) entries.push({ incidentId: id, entry });
      }
      seen.set(id, incident?.timeline.length ?? 0);
    }
    entries.sort((a, b) => a.entry.at.localeCompare(b.entry.at) || a.entry.seq - b.entry.seq);
    for (const e of entries) emit({ kind: 'timeline', ...e });
    for (const page of await sandbox.sns.drain()) emit({ kind: 'page', page });
  };

  try {
    for (let m = 0; m <= scenario.durationMinutes; m++) {
      const now = new Date(start.getTime() + m * minute);
      await sandbox.clock.advanceTo(now);
      for (const step of scenario.steps.filter((s) => s.atMinute === m)) {
        step.apply(sandbox.env);
        emit({ kind: 'step', at: now.toISOString(), actor: step.actor, text: step.narrate });
      }
      for (const response of scenario.responders?.filter((r) => r.atMinute === m) ?? []) {
        emit({ kind: 'step', at: now.toISOString(), actor: 'responder', text: response.narrate });
        await response.run(sandbox);
        await sandbox.settle(now);
      }
      for (const hook of options.hooks?.filter((h) => h.atMinute === m) ?? []) {
        await hook.run(sandbox);
        await sandbox.settle(now);
      }
      const changes = sandbox.env.evaluate();
      for (const change of changes as AlarmEventShape[]) {
        emit({
          kind: 'alarm',
          at: now.toISOString(),
          alarmName: change.detail?.alarmName ?? '?',
          from: change.detail?.previousState?.value ?? '?',
          to: change.detail?.state?.value ?? '?',
        });
      }
      await deliver([...changes, ...deliveries.filter((d) => d.atMinute === m).map((d) => d.event)]);
      await report();
    }
    if (options.afterwards) {
      await options.afterwards(sandbox);
      await report();
    }
    const incidents = await Promise.all([...touched].map((id) => sandbox.incident(id)));
    const present = incidents.filter((i): i is Incident => i !== undefined);
    const pages = await sandbox.sns.allPages();
    const byOutcome: Record<string, number> = {};
    for (const d of sandbox.deliveries) {
      const outcome = d.intake?.outcome ?? 'lost';
      byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
    }
    const executions = sandbox.executionSummary();
    const drilled: DrillReport = {
      scenario: scenario.name,
      ecsCalls: [...sandbox.env.ecsCalls],
      adminCalls: [...sandbox.env.admin.calls],
      functionCalls: [...sandbox.env.functions.calls],
      runbooks: sandbox.env.automation.executions.map((e) => ({
        documentName: e.documentName,
        documentVersion: e.documentVersion,
        parameters: e.parameters,
        startedAt: e.startedAt.toISOString(),
        status: e.status,
      })),
      startedAt: start.toISOString(),
      endedAt: sandbox.clock.now().toISOString(),
      incidents: present.sort((a, b) => a.id.localeCompare(b.id)),
      pages,
      deliveries: {
        total: sandbox.deliveries.length,
        byOutcome,
        lost: byOutcome.lost ?? 0,
      },
      duplicatePages: countDuplicatePages(pages, present),
      failedExecutions: executions.failures.length,
      executions,
    };
    const page = sandbox.config.statusPage;
    if (options.statusDir && page) {
      const { dynamo } = sandbox;
      const { state } = await new StatusPageStore(dynamo.doc, dynamo.store.tableName).get(
        sandbox.clock.now(),
      );
      await new DirectoryStatusSite(options.statusDir).write(statusSiteFiles(state, page));
    }
    await options.serve?.(sandbox, drilled);
    return drilled;
  } finally {
    await sandbox.stop();
  }
};
