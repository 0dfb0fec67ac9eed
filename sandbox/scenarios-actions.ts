/**
 * Drills with custom remediation actions (issue 15), from the runbooks' "if external API → enable
 * circuit breaker", "clear cache" and "warm cache": checkout's playbook names an `http` action on
 * its admin endpoint, an `ssm-automation` runbook or a `lambda` function of the team's, for a failing
 * dependency. The sandbox serves the admin endpoint and Lambda's Invoke on loopback and simulates SSM
 * Automation; all three act on the simulated environment.
 */
import type { DeploymentConfigInput } from '../lambdas/contract/config-schema';
import { HEALTHY } from './environment';
import { DRILL_CONFIG, type Scenario } from './scenario-kit';

const [checkout, ...others] = DRILL_CONFIG.services;
if (!checkout) throw new Error('the drill config has no checkout service');

/** The admin token's secret: the sandbox's Secrets Manager stand-in serves it. */
export const ADMIN_TOKEN_SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:checkout/admin-token-AbCdEf';

/** checkout's admin API opens the circuit breaker to the pricing API (it serves cached prices meanwhile). */
export const CIRCUIT_BREAKER_CONFIG: DeploymentConfigInput = {
  ...DRILL_CONFIG,
  services: [
    { ...checkout, playbook: [{ causes: ['dependency'], action: 'open-circuit-breaker' }] },
    ...others,
  ],
  actions: {
    'open-circuit-breaker': {
      type: 'http',
      method: 'POST',
      baseUrl: 'https://admin.checkout.example.com',
      pathTemplate: '/admin/circuit-breaker/{{incident.service}}/open',
      pathPattern: '/admin/circuit-breaker/[a-z0-9-]+/open',
      authSecretArn: ADMIN_TOKEN_SECRET_ARN,
      expectedStatuses: [200, 204],
    },
  },
};

/** The pricing API checkout calls fails at minute 2; its circuit breaker endpoint waits on the admin API. */
export const externalApi: Scenario = {
  name: 'external-api',
  seed: '000 "If: External API issues" (enable circuit breaker), 003 `curl -X POST .../admin/circuit-breaker/enable`',
  summary:
    "checkout's pricing API answers 503: 22% of checkout's requests fail; automation opens the circuit breaker through checkout's admin API (an http action), errors drop, verification holds, resolved.",
  config: CIRCUIT_BREAKER_CONFIG,
  durationMinutes: 25,
  steps: [
    {
      atMinute: 0,
      actor: 'environment',
      narrate: "checkout's admin API: POST /admin/circuit-breaker/checkout/open serves cached prices",
      apply: (env) =>
        env.admin.on('POST', '/admin/circuit-breaker/checkout/open', () => {
          env.setMetrics('checkout', { errorRatePercent: HEALTHY.errorRatePercent });
          return 204;
        }),
    },
    {
      atMinute: 2,
      actor: 'environment',
      narrate: 'the pricing API fails: 22% of checkout requests error',
      apply: (env) => {
        env.setMetrics('checkout', { errorRatePercent: 22 });
        env.log('checkout', 'ERROR upstream pricing-api returned 503 Service Unavailable (GET /v2/prices)');
      },
    },
  ],
};

/** The runbook's AutomationAssumeRole (the simulation does not assume it; the stack grants PassRole on it). */
export const CACHE_RUNBOOK_ROLE_ARN = 'arn:aws:iam::123456789012:role/checkout-cache-runbook';

/** checkout's playbook clears its cache with an SSM Automation runbook when the cache is what fails. */
export const CLEAR_CACHE_CONFIG: DeploymentConfigInput = {
  ...DRILL_CONFIG,
  services: [{ ...checkout, playbook: [{ causes: ['dependency'], action: 'clear-cache' }] }, ...others],
  actions: {
    'clear-cache': {
      type: 'ssm-automation',
      documentName: 'Sandbox-ClearCache',
      documentVersion: '2',
      parameters: { CacheName: '{{incident.service}}-cache', IncidentId: '{{incident.id}}' },
      parameterPatterns: { CacheName: '[a-z0-9-]+-cache', IncidentId: 'INC-\\d{8}-\\d{3,}' },
      roleArn: CACHE_RUNBOOK_ROLE_ARN,
      timeoutMinutes: 10,
    },
  },
};

/** checkout's cache degrades at minute 2 (corrupted entries, timeouts); the runbook clears it in 90 s. */
export const cacheDegraded: Scenario = {
  name: 'cache-degraded',
  seed: '000 "Scenario 5: Cache Performance Issues", 003/004 `curl -X POST .../admin/cache/clear`',
  summary:
    "checkout's Redis cache degrades: reads time out, p95 latency 1400 ms; automation runs the Sandbox-ClearCache SSM Automation runbook (an ssm-automation action), the workflow polls it to Success, latency recovers, resolved.",
  config: CLEAR_CACHE_CONFIG,
  durationMinutes: 30,
  steps: [
    {
      atMinute: 0,
      actor: 'environment',
      narrate: 'SSM Automation: the Sandbox-ClearCache runbook flushes a cache in 90 s',
      apply: (env) =>
        env.automation.define('Sandbox-ClearCache', {
          runSeconds: 90,
          effect: () => env.setMetrics('checkout', { p95LatencyMs: HEALTHY.p95LatencyMs }),
        }),
    },
    {
      atMinute: 2,
      actor: 'environment',
      narrate: "checkout's cache degrades: reads time out and fall through to the database, p95 1400 ms",
      apply: (env) => {
        env.setMetrics('checkout', { p95LatencyMs: 1400 });
        env.log('checkout', 'ERROR timeout reading from redis checkout-cache after 500 ms (key cart:*)');
      },
    },
  ],
};

/** The team's cache-warming function (the sandbox simulates it; the stack grants InvokeFunction on its alias). */
export const WARM_CACHE_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:checkout-warm-cache';

/** checkout's playbook warms its cache with the team's own Lambda function when the cache is cold. */
export const WARM_CACHE_CONFIG: DeploymentConfigInput = {
  ...DRILL_CONFIG,
  services: [{ ...checkout, playbook: [{ causes: ['dependency'], action: 'warm-cache' }] }, ...others],
  actions: {
    'warm-cache': {
      type: 'lambda',
      functionArn: `${WARM_CACHE_FUNCTION_ARN}:live`,
      payload: { cache: '{{incident.service}}-cache', incident: '{{incident.id}}', keys: 'hot' },
      payloadPatterns: { cache: '[a-z0-9-]+-cache', incident: 'INC-\\d{8}-\\d{3,}' },
      timeoutSeconds: 30,
    },
  },
};

/** A Redis node is replaced at minute 2: checkout's cache starts empty; the team's function warms it. */
export const cacheCold: Scenario = {
  name: 'cache-cold',
  seed: '000 "If: High Latency": "If low cache hit rate → Warm cache"',
  summary:
    "checkout's Redis node is replaced and its cache starts cold: reads fall through to the database, p95 latency 1600 ms; automation invokes the team's checkout-warm-cache Lambda function (a lambda action), latency recovers, verification holds, resolved.",
  config: WARM_CACHE_CONFIG,
  durationMinutes: 25,
  steps: [
    {
      atMinute: 0,
      actor: 'environment',
      narrate: 'Lambda: checkout-warm-cache loads the hot keys into the cache it is given',
      apply: (env) =>
        env.functions.define(WARM_CACHE_FUNCTION_ARN, (payload) => {
          const { cache } = payload as { cache?: unknown };
          if (cache !== 'checkout-cache') throw new Error(`unknown cache ${String(cache)}`);
          env.setMetrics('checkout', { p95LatencyMs: HEALTHY.p95LatencyMs });
          return { warmed: 1840 };
        }),
    },
    {
      atMinute: 2,
      actor: 'environment',
      narrate: "checkout's Redis node is replaced: every read misses and falls through, p95 1600 ms",
      apply: (env) => {
        env.setMetrics('checkout', { p95LatencyMs: 1600 });
        env.log(
          'checkout',
          'ERROR redis checkout-cache miss, database read timed out after 800 ms (key cart:*)',
        );
      },
    },
  ],
};
