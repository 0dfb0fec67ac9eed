/**
 * Drill scenarios, from the seeds' "Common Incident Scenarios": each changes the simulated
 * environment at simulated minutes, and the configured alarms react to it as CloudWatch would. The
 * responders' moves (a manual rollback, a restart) are part of the scenario until the automation
 * playbooks do them.
 */
import { randomUUID } from 'node:crypto';
import type { DeploymentConfigInput } from '../lambdas/contract/config-schema';
import { HEALTHY, type SimulatedEnvironment } from './environment';
import type { Sandbox } from './sandbox';
import { contacts, DRILL_CONFIG, type Scenario, type ScenarioStep, shipBadBuild } from './scenario-kit';
import { cacheCold, cacheDegraded, externalApi } from './scenarios-actions';
import { afterHours } from './scenarios-oncall';
import { ecsRollback, rdsCpu } from './scenarios-routed';
import { publicOutage } from './scenarios-status';
import { ticketedOutage } from './scenarios-tickets';

export { DRILL_CONFIG, type Scenario, type ScenarioResponse, type ScenarioStep } from './scenario-kit';

const badDeploy: Scenario = {
  name: 'bad-deploy',
  seed: '000 scenario 2 (high error rate after a deployment)',
  summary: 'checkout:42 ships a bug; 5xx errors climb to 35%; automation rolls back to checkout:41.',
  config: DRILL_CONFIG,
  durationMinutes: 30,
  steps: [shipBadBuild(35)],
};

const crashLoop: Scenario = {
  name: 'crash-loop',
  seed: '000 scenario 1 (complete outage), "If: System Down"',
  summary:
    'payments-api tasks exit on start with no recent deploy (a secret was rotated); automation restarts the service.',
  config: DRILL_CONFIG,
  durationMinutes: 30,
  steps: [
    {
      atMinute: 2,
      actor: 'environment',
      narrate: 'payments-api tasks crash on start: running 0 of 3, errors 100%',
      apply: (env) => {
        env.setTasks('payments', { running: 0 });
        env.setMetrics('payments', { errorRatePercent: 100 });
        env.crash('payments', 'payments-api:16', 'Essential container in task exited', 1);
        env.log('payments', 'FATAL could not open secret payments/db-password: AccessDeniedException');
      },
    },
  ],
};

const latencySpike: Scenario = {
  name: 'latency-spike',
  seed: '000 "If: High Latency"',
  summary: 'a traffic spike drives checkout p95 latency to 900 ms for 20 minutes, then it subsides.',
  config: DRILL_CONFIG,
  durationMinutes: 35,
  steps: [
    {
      atMinute: 2,
      actor: 'environment',
      narrate: 'traffic triples: checkout p95 latency 900 ms',
      apply: (env) => env.setMetrics('checkout', { p95LatencyMs: 900, requestsPerMinute: 3600 }),
    },
    {
      atMinute: 22,
      actor: 'environment',
      narrate: 'traffic back to normal',
      apply: (env) =>
        env.setMetrics('checkout', {
          p95LatencyMs: HEALTHY.p95LatencyMs,
          requestsPerMinute: HEALTHY.requestsPerMinute,
        }),
    },
  ],
};

const memoryLeak: Scenario = {
  name: 'memory-leak',
  seed: '002 "High Memory Usage"',
  summary:
    'checkout memory climbs 6% a minute past 90%; automation restarts the tasks; the P3 closes after its reopen window.',
  config: DRILL_CONFIG,
  durationMinutes: 55,
  steps: Array.from({ length: 10 }, (_, i) => ({
    atMinute: 1 + i,
    actor: 'environment' as const,
    narrate: `checkout memory ${45 + 6 * (i + 1)}%`,
    apply: (env: SimulatedEnvironment) => env.setMetrics('checkout', { memoryPercent: 45 + 6 * (i + 1) }),
  })),
};

const dbSlowdown: Scenario = {
  name: 'db-slowdown',
  seed: '000 scenario 4 (database performance)',
  summary:
    'the payments database slows down: connection-pool timeouts, 8% errors; the DBA kills a runaway query.',
  config: DRILL_CONFIG,
  durationMinutes: 35,
  steps: [
    {
      atMinute: 2,
      actor: 'environment',
      narrate: 'payments database slow: connection-pool timeouts, 8% errors',
      apply: (env) => {
        env.setMetrics('payments', { errorRatePercent: 8, p95LatencyMs: 1800 });
        env.log('payments', 'ERROR TimeoutError: ResourceRequest timed out (pool size 20, waiting 57)');
      },
    },
    {
      atMinute: 20,
      actor: 'responder',
      narrate: 'DBA kills the runaway query; the database recovers',
      apply: (env) =>
        env.setMetrics('payments', {
          errorRatePercent: HEALTHY.errorRatePercent,
          p95LatencyMs: HEALTHY.p95LatencyMs,
        }),
    },
  ],
};

const flapping: Scenario = {
  name: 'flapping',
  seed: '004 escalation trigger "restart temporarily fixes but service fails again"',
  summary:
    'checkout CPU goes over 85%, drops, and goes over again within the reopen window: one incident, reopened.',
  config: DRILL_CONFIG,
  durationMinutes: 40,
  steps: [
    {
      atMinute: 2,
      actor: 'environment',
      narrate: 'checkout CPU 95%',
      apply: (env) => env.setMetrics('checkout', { cpuPercent: 95 }),
    },
    {
      atMinute: 8,
      actor: 'environment',
      narrate: 'checkout CPU 40%',
      apply: (env) => env.setMetrics('checkout', { cpuPercent: 40 }),
    },
    {
      atMinute: 16,
      actor: 'environment',
      narrate: 'checkout CPU 97% again',
      apply: (env) => env.setMetrics('checkout', { cpuPercent: 97 }),
    },
    {
      atMinute: 24,
      actor: 'environment',
      narrate: 'checkout CPU 38%',
      apply: (env) => env.setMetrics('checkout', { cpuPercent: 38 }),
    },
  ],
};

/** The drill config with checkout's error-rate alarm as a P1 whose automatic actions need approval. */
const approvalConfig: DeploymentConfigInput = {
  ...DRILL_CONFIG,
  services: DRILL_CONFIG.services.map((svc) =>
    svc.name === 'checkout'
      ? {
          ...svc,
          alarms: { ...svc.alarms, errorRate: { ...svc.alarms?.errorRate, threshold: 10, severity: 'P1' } },
        }
      : svc,
  ),
  automation: { ...DRILL_CONFIG.automation, approvalRequiredFor: ['P1'] },
};

const manualRollback = (atMinute: number, narrate: string): ScenarioStep => ({
  atMinute,
  actor: 'responder',
  narrate,
  apply: (env) => {
    env.updateService('checkout', { taskDefinition: 'checkout:41' });
  },
});

/** The open incident of the drill's first delivery: what a responder holding the page acts on. */
const firstIncident = (sandbox: Sandbox): string => {
  const id = sandbox.deliveries.find((d) => d.intake?.incidentId)?.intake?.incidentId;
  if (!id) throw new Error('no incident is open for the responder to answer');
  return id;
};

const approvalDenied: Scenario = {
  name: 'approval-denied',
  seed: '003 "SEV-1: approval before production changes"; 000 scenario 2',
  summary:
    'a bad deploy makes checkout a P1; automation proposes a rollback, which needs approval; the on-call denies it and rolls back by hand.',
  config: approvalConfig,
  durationMinutes: 30,
  steps: [shipBadBuild(60), manualRollback(12, 'alice rolls checkout back to checkout:41 by hand')],
  responders: [
    {
      atMinute: 7,
      narrate: 'alice denies the automatic rollback (she wants to look at the build first)',
      run: async (sandbox) => void (await sandbox.answerApproval(firstIncident(sandbox), false, 'alice')),
    },
  ],
};

const approvalTimeout: Scenario = {
  name: 'approval-timeout',
  seed: '003 "SEV-1: approval before production changes"; 004 "not acknowledged" escalation',
  summary:
    'a bad deploy makes checkout a P1; the rollback needs approval and nobody answers within 15 min; the next tier is paged and rolls back by hand.',
  config: approvalConfig,
  durationMinutes: 40,
  steps: [shipBadBuild(60), manualRollback(26, 'the DevOps lead rolls checkout back to checkout:41 by hand')],
};

const mitigationFailed: Scenario = {
  name: 'mitigation-failed',
  seed: '000 scenario 2 and "If: External API Failure"',
  summary:
    'checkout:42 ships as the payment provider starts failing; automation rolls back, errors stay; a person is paged and the provider recovers.',
  config: DRILL_CONFIG,
  durationMinutes: 45,
  steps: [
    {
      atMinute: 2,
      actor: 'environment',
      narrate:
        'deploy checkout:42 while the payment provider starts failing: 35% of requests fail on any revision',
      apply: (env) => {
        for (const revision of ['checkout:41', 'checkout:42'])
          env.defineRevision(revision, { metrics: { errorRatePercent: 35 } });
        env.deployRevision('checkout', 'checkout:42');
        env.log('checkout', 'ERROR PaymentProviderError: upstream 503 from api.payments.example');
      },
    },
    {
      atMinute: 36,
      actor: 'environment',
      narrate: 'the payment provider recovers',
      apply: (env) => env.setMetrics('checkout', { errorRatePercent: HEALTHY.errorRatePercent }),
    },
  ],
};

export const STORM_SERVICES = 50;
export const STORM_EVENTS = 1000;

const stormService = (i: number) => `svc-${String(i + 1).padStart(2, '0')}`;

/** A deterministic shuffle, so a storm replays the same way every time. */
const shuffle = <T>(items: T[], seed: number): T[] => {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
};

const stormEvent = (alarmName: string, state: 'ALARM' | 'OK', at: Date) => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: '123456789012',
  time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: 'us-east-1',
  resources: [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`],
  detail: {
    alarmName,
    state: { value: state, reason: `storm: ${state}`, timestamp: at.toISOString().replace('Z', '+0000') },
    previousState: {
      value: state === 'ALARM' ? 'OK' : 'ALARM',
      reason: 'storm',
      timestamp: at.toISOString().replace('Z', '+0000'),
    },
    configuration: { metrics: [] },
  },
});

/**
 * 1,000 deliveries over 50 services, shuffled: per service 19 ALARM deliveries of three firings
 * (a first firing and two re-firings, each delivered several times: EventBridge delivers at least
 * once) and one OK after the last firing. Expect exactly 50 incidents and one page per incident and tier.
 */
const alarmStorm: Scenario = {
  name: 'alarm-storm',
  seed: 'DESIGN.md invariants (at-least-once, unordered delivery)',
  summary: `${STORM_EVENTS} alarm events over ${STORM_SERVICES} services, with duplicates and out of order.`,
  config: {
    stackName: 'IncidentResponseStorm',
    services: Array.from({ length: STORM_SERVICES }, (_, i) => ({
      name: stormService(i),
      cluster: 'prod',
      service: stormService(i),
      logGroup: `/ecs/prod/${stormService(i)}`,
      runbookUrl: `https://runbooks.example.com/${stormService(i)}`,
      alarms: { cpu: { threshold: 85, severity: 'P3' as const } },
    })),
    routing: { default: { action: 'open', severity: 'P3' } },
    contacts,
  },
  durationMinutes: 15,
  steps: [],
  deliveries: (startAt) => {
    const start = startAt.getTime();
    const events: Array<{ atMinute: number; event: unknown }> = [];
    for (let i = 0; i < STORM_SERVICES; i++) {
      const alarm = `${stormService(i)}-cpu`;
      const firings = [0, 1, 2].map((m) => new Date(start + (m * 60 + i) * 1000));
      for (let d = 0; d < 19; d++) {
        events.push({ atMinute: 5, event: stormEvent(alarm, 'ALARM', firings[d % 3] as Date) });
      }
      events.push({ atMinute: 5, event: stormEvent(alarm, 'OK', new Date(start + (4 * 60 + i) * 1000)) });
    }
    return shuffle(events, 42);
  },
};

export const SCENARIOS: Readonly<Record<string, Scenario>> = Object.fromEntries(
  [
    badDeploy,
    crashLoop,
    latencySpike,
    memoryLeak,
    dbSlowdown,
    flapping,
    alarmStorm,
    approvalDenied,
    approvalTimeout,
    mitigationFailed,
    rdsCpu,
    ecsRollback,
    afterHours,
    ticketedOutage,
    publicOutage,
    externalApi,
    cacheDegraded,
    cacheCold,
  ].map((s) => [s.name, s]),
);
