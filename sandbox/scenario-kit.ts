/**
 * What every drill scenario is made of: the scenario and step types, the drill config (two watched
 * services, as in config/example.json) and the steps several scenarios share.
 */
import type { DeploymentConfigInput } from '../lambdas/contract/config-schema';
import type { SimulatedEnvironment } from './environment';
import type { Sandbox } from './sandbox';

export interface ScenarioStep {
  readonly atMinute: number;
  /** One line for the drill's output, e.g. "deploy checkout:42 (a bad build)". */
  readonly narrate: string;
  readonly actor: 'environment' | 'responder';
  readonly apply: (env: SimulatedEnvironment) => void;
}

export interface Scenario {
  readonly name: string;
  readonly summary: string;
  /** The seed the scenario comes from. */
  readonly seed: string;
  readonly config: DeploymentConfigInput;
  readonly durationMinutes: number;
  /**
   * When the drill starts, for a story that needs its hour (a Saturday night), from the real time:
   * an instant in the past, so the record stays in order with the real clock's drills. @default now
   */
  readonly start?: (now: Date) => Date;
  readonly steps: readonly ScenarioStep[];
  /** Raw events delivered as they are (the alarm storm), with the simulated minute they arrive at. */
  readonly deliveries?: (start: Date) => ReadonlyArray<{ atMinute: number; event: unknown }>;
  /** What responders do through the product (answer an approval), at a minute, after the steps. */
  readonly responders?: readonly ScenarioResponse[];
}

/** A responder's move through the product's own paths (`incident deny`, a page link), not the environment. */
export interface ScenarioResponse {
  readonly atMinute: number;
  readonly narrate: string;
  readonly run: (sandbox: Sandbox) => Promise<void>;
}

export const contacts = {
  'on-call': { email: ['oncall@example.com'], sms: ['+15550100001'] },
  'devops-lead': { email: ['devops-lead@example.com'], sms: ['+15550100002'] },
  'engineering-manager': { email: ['eng-manager@example.com'], sms: [] },
  cto: { email: ['cto@example.com'], sms: [] },
};

/** Two watched services, as in config/example.json, kept here so a drill does not change with the example. */
export const DRILL_CONFIG: DeploymentConfigInput = {
  stackName: 'IncidentResponseSandbox',
  services: [
    {
      name: 'checkout',
      cluster: 'prod',
      service: 'checkout',
      logGroup: '/ecs/prod/checkout',
      runbookUrl: 'https://runbooks.example.com/checkout',
      maxDesiredCount: 12,
      loadBalancer: {
        loadBalancer: 'app/prod-public/50dc6c495c0c9188',
        targetGroup: 'targetgroup/checkout/73e2d6bc24d8a067',
      },
      alarms: {
        errorRate: {
          threshold: 10,
          evaluationPeriods: 3,
          severity: 'P2',
          runbookUrl: 'https://runbooks.example.com/checkout/high-error-rate',
        },
        p95Latency: {
          threshold: 500,
          evaluationPeriods: 3,
          severity: 'P2',
          runbookUrl: 'https://runbooks.example.com/checkout/high-latency',
        },
        tasksBelowDesired: {
          threshold: 1,
          evaluationPeriods: 2,
          severity: 'P1',
          runbookUrl: 'https://runbooks.example.com/checkout/system-down',
        },
        cpu: { threshold: 85, evaluationPeriods: 3, severity: 'P3' },
        memory: { threshold: 90, evaluationPeriods: 3, severity: 'P3' },
      },
    },
    {
      name: 'payments',
      cluster: 'prod',
      service: 'payments-api',
      logGroup: '/ecs/prod/payments-api',
      runbookUrl: 'https://runbooks.example.com/payments',
      loadBalancer: {
        loadBalancer: 'app/prod-internal/6d0ecf831eec9f09',
        targetGroup: 'targetgroup/payments/943f017f100becff',
      },
      alarms: {
        errorRate: { threshold: 5, evaluationPeriods: 3, severity: 'P2' },
        tasksBelowDesired: {
          threshold: 1,
          evaluationPeriods: 2,
          severity: 'P1',
          runbookUrl: 'https://runbooks.example.com/payments/system-down',
        },
      },
    },
  ],
  routing: { default: { action: 'open', severity: 'P3' } },
  contacts,
  automation: { allowlist: ['checkout', 'payments'] },
};

/** payments-api's tasks stop at `stopAt` (a P1: running 0 of 3) and are back at `backAt`. */
export const paymentsDownThenBack = (stopAt: number, backAt: number): ScenarioStep[] => [
  {
    atMinute: stopAt,
    actor: 'environment',
    narrate: 'payments-api tasks stop: running 0 of 3',
    apply: (env) => env.setTasks('payments', { running: 0 }),
  },
  {
    atMinute: backAt,
    actor: 'environment',
    narrate: 'payments-api tasks are back: running 3 of 3',
    apply: (env) => env.setTasks('payments', { running: 3 }),
  },
];

/** checkout:42 ships a bug that fails `errorRatePercent` of requests, at minute 2. */
export const shipBadBuild = (errorRatePercent: number): ScenarioStep => ({
  atMinute: 2,
  actor: 'environment',
  narrate: `deploy checkout:42 (a bad build: ${errorRatePercent}% of requests fail)`,
  apply: (env) => {
    env.defineRevision('checkout:42', { metrics: { errorRatePercent } });
    env.deployRevision('checkout', 'checkout:42');
    env.log(
      'checkout',
      'ERROR TypeError: Cannot read properties of undefined (reading "currency") at priceCart',
    );
  },
});
