/**
 * (f) After resolution. (1) What a post-mortem costs in Step Functions: the reminder workflow's
 * transitions for bad-deploy as a P1 whose post-mortem is marked done after three reminders (+24 h,
 * +48 h, +72 h), and the report's size. (2) `incident stats --since 30d` over a table of generated
 * incidents: the queries (one per status on the byStatus index) plus the summary, wall time on
 * dynalite over loopback (not DynamoDB latencies).
 */
import { randomUUID } from 'node:crypto';
import { acknowledge, advance, appendEntries, type Incident, openIncident } from '../lambdas/domain/incident';
import { summarizeIncidents } from '../lambdas/domain/incident-stats';
import { SEVERITIES } from '../lambdas/domain/severity';
import { runDrill } from '../sandbox/drill';
import { startLocalDynamo } from '../sandbox/local-aws/dynalite';
import { DRILL_CONFIG, SCENARIOS } from '../sandbox/scenarios';
import { type Summary, summarize, timed } from './stats';

export interface PostIncidentResult {
  /** Transitions of the post-mortem reminder workflow, from start to its end after `--done`. */
  readonly reminderTransitions: Summary;
  readonly remindersSent: number;
  readonly reportBytes: number;
  readonly statsIncidents: number;
  /** listCreatedSince + summarizeIncidents, wall ms. */
  readonly statsWallMs: Summary;
}

const HOUR = 3_600_000;
const START = new Date('2026-11-23T10:00:00.000Z');
export const STATS_INCIDENTS = 2_000;

const measureReminders = async (): Promise<{
  transitions: number;
  reminders: number;
  reportBytes: number;
}> => {
  const scenario = SCENARIOS['bad-deploy'];
  if (!scenario) throw new Error('no bad-deploy scenario');
  const config = structuredClone(DRILL_CONFIG);
  const errorRate = config.services[0]?.alarms?.errorRate;
  if (!errorRate) throw new Error('drill config has no checkout error-rate alarm');
  errorRate.severity = 'P1';
  let out = { transitions: 0, reminders: 0, reportBytes: 0 };
  await runDrill(
    { ...scenario, config },
    {
      start: START,
      afterwards: async (sandbox) => {
        const id = sandbox.deliveries.find((d) => d.intake?.outcome === 'opened')?.intake?.incidentId ?? '';
        const resolvedAt = Date.parse((await sandbox.incident(id))?.statusTimestamps.RESOLVED ?? '');
        await sandbox.settle(new Date(resolvedAt + 73 * HOUR));
        await sandbox.clock.advanceTo(new Date(resolvedAt + 73 * HOUR));
        await sandbox.completePostMortem(id, 'https://wiki.example.com/postmortems/bench', 'bench');
        await sandbox.settle(new Date(resolvedAt + 8 * 24 * HOUR));
        const executions = sandbox.childExecutions('postmortem');
        if (executions.length !== 1 || executions[0]?.status !== 'SUCCEEDED')
          throw new Error(
            `expected one finished post-mortem workflow, got ${executions.map((e) => e.status)}`,
          );
        const states = executions[0].states;
        out = {
          transitions: states.length + states.reduce((n, s) => n + s.retries, 0),
          reminders: (await sandbox.incident(id))?.postMortem?.remindersSent ?? 0,
          reportBytes: Buffer.byteLength((await sandbox.report(id)) ?? ''),
        };
      },
    },
  );
  return out;
};

/** A resolved incident with known times: acknowledged after 2..31 min, resolved after 10..129 min. */
const generated = (i: number, now: Date): Incident => {
  const created = new Date(now.getTime() - (1 + ((i * 7919) % (29 * 24 * 60))) * 60_000);
  const severity = SEVERITIES[i % SEVERITIES.length] ?? 'P3';
  const at = (minutes: number) => new Date(created.getTime() + minutes * 60_000);
  let incident = openIncident({
    id: `INC-BENCH-${String(i).padStart(5, '0')}`,
    dedupKey: `bench#${i}`,
    signal: {
      alarmName: `svc-${i % 40}-error-rate`,
      state: 'ALARM',
      at: created.toISOString(),
      service: `svc-${i % 40}`,
    },
    severity,
    severityReason: 'bench',
    title: `svc-${i % 40} error rate high`,
    now: created,
  });
  incident = acknowledge(incident, { type: 'human', name: 'alice' }, at(2 + (i % 30)));
  incident = appendEntries(incident, at(5), {
    kind: 'note',
    actor: { type: 'automation', name: 'workflow' },
    summary: 'bench',
  });
  return advance(incident, 'RESOLVED', { type: 'alarm', name: 'ok' }, at(10 + (i % 120)));
};

const measureStats = async (runs: number): Promise<Summary> => {
  const dynamo = await startLocalDynamo(`bench-stats-${randomUUID().slice(0, 8)}`);
  try {
    const now = new Date();
    for (let i = 0; i < STATS_INCIDENTS; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, STATS_INCIDENTS - i) }, (_, k) =>
          dynamo.store.putNewIncident(generated(i + k, now)),
        ),
      );
    }
    const since = new Date(now.getTime() - 30 * 24 * HOUR);
    const samples: number[] = [];
    for (let r = 0; r < runs; r++) {
      const { ms, value } = await timed(async () =>
        summarizeIncidents(await dynamo.store.listCreatedSince(since), { since, until: now }),
      );
      if (value.total !== STATS_INCIDENTS)
        throw new Error(`stats saw ${value.total} incidents, expected ${STATS_INCIDENTS}`);
      samples.push(ms);
    }
    return summarize(samples);
  } finally {
    await dynamo.stop();
  }
};

export const measurePostIncident = async (runs: number): Promise<PostIncidentResult> => {
  const reminders: Array<Awaited<ReturnType<typeof measureReminders>>> = [];
  for (let i = 0; i < runs; i++) reminders.push(await measureReminders());
  const last = reminders[reminders.length - 1] ?? { transitions: 0, reminders: 0, reportBytes: 0 };
  return {
    reminderTransitions: summarize(reminders.map((r) => r.transitions)),
    remindersSent: last.reminders,
    reportBytes: last.reportBytes,
    statsIncidents: STATS_INCIDENTS,
    statsWallMs: await measureStats(runs),
  };
};
