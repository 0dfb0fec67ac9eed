/** Custom `http` actions carried out: the call, the lock that keeps one run at a time, failures named on the timeline. */
import { beforeEach, describe, expect, it } from 'vitest';
import { ActionLocks } from '../../../lambdas/adapters/action-lock';
import type { HttpActionApi, HttpActionCall } from '../../../lambdas/adapters/http-action';
import { parseConfig } from '../../../lambdas/contract/config';
import type { DeploymentConfigInput } from '../../../lambdas/contract/config-schema';
import type { Decision } from '../../../lambdas/domain/evidence';
import { openIncident } from '../../../lambdas/domain/incident';
import type { AutomationDeps } from '../../../lambdas/services/automation';
import { IncidentService } from '../../../lambdas/services/incident-service';
import { mitigate } from '../../../lambdas/services/mitigation';
import { DRILL_CONFIG } from '../../../sandbox/scenarios';
import { useLocalDynamo } from '../../support/local-dynamo';

const T0 = new Date('2026-11-23T10:00:00.000Z');
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-token-AbCdEf';
const CONFIG: DeploymentConfigInput = {
  ...DRILL_CONFIG,
  actions: {
    'open-circuit-breaker': {
      type: 'http',
      method: 'POST',
      baseUrl: 'https://admin.example.com',
      pathTemplate: '/admin/circuit-breaker/{{incident.service}}/open',
      pathPattern: '/admin/circuit-breaker/(checkout|payments)/open',
      authSecretArn: SECRET,
      expectedStatuses: [200, 204],
      timeoutSeconds: 5,
    },
  },
};
const LAMBDA_CONFIG: DeploymentConfigInput = {
  ...CONFIG,
  actions: {
    'warm-cache': {
      type: 'lambda',
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:warm-cache',
      payload: { service: '{{incident.service}}', mode: 'full' },
      payloadPatterns: { service: 'checkout' },
    },
  },
};
const DECISION: Decision = {
  verdict: 'act',
  playbook: 'custom',
  action: 'open-circuit-breaker',
  reason: 'every guardrail passed',
};

const dynamo = useLocalDynamo({ perTest: true });
let now: Date;

/** Answers each call with `status` once `gate` opens, recording what it was asked. */
class FakeHttp implements HttpActionApi {
  readonly calls: HttpActionCall[] = [];
  readonly authorizations: string[] = [];
  gate: Promise<void> = Promise.resolve();
  constructor(public status = 200) {}
  async call(request: HttpActionCall) {
    this.calls.push(request);
    if (request.authorization) this.authorizations.push(await request.authorization());
    await this.gate;
    return { status: this.status };
  }
}

const depsWith = (http: HttpActionApi, input: DeploymentConfigInput = CONFIG): AutomationDeps => {
  const config = parseConfig(input, 'test config');
  const clock = () => now;
  const unused = () => {
    throw new Error('not used by mitigation');
  };
  return {
    incidents: new IncidentService(
      dynamo.store,
      { dedupFields: config.dedupKey, reopenWindowMinutes: 30, resolveOnOk: true },
      clock,
    ),
    store: dynamo.store,
    ecs: {
      describeService: unused,
      stoppedTasks: unused,
      rollback: unused,
      restart: unused,
      scale: unused,
      isSteady: unused,
    },
    metrics: { serviceMetrics: unused, alarmMetric: unused },
    logs: { topErrors: unused },
    killSwitch: { allowsActions: async () => true },
    config,
    alarms: new Map(),
    clock,
    actions: {
      locks: new ActionLocks(dynamo.doc, dynamo.tableName),
      http,
      secret: async (arn) => (arn === SECRET ? 'Bearer admin-token\n' : 'wrong'),
      httpBaseUrls: { 'open-circuit-breaker': 'http://127.0.0.1:8080' },
    },
  };
};

const open = async (id: string, service: string) => {
  const incident = openIncident({
    id,
    dedupKey: `${service}#errors#${id}`,
    signal: { alarmName: `${service}-error-rate`, state: 'ALARM', at: T0.toISOString(), service },
    severity: 'P2',
    severityReason: 'configured P2',
    title: `${service} error rate`,
    now: T0,
  });
  expect(await dynamo.store.putNewIncident(incident)).toBe(true);
  return id;
};
const timeline = async (id: string) =>
  ((await dynamo.store.getIncident(id))?.timeline ?? []).map((e) => e.summary).join('\n');

beforeEach(() => {
  now = new Date(T0.getTime() + 4 * 60_000);
});

describe('an http custom action', () => {
  it('calls the path on the configured host with the secret as Authorization, then verifies', async () => {
    const http = new FakeHttp(204);
    const id = await open('INC-20261123-001', 'checkout');

    const result = await mitigate(depsWith(http), id, DECISION);

    expect(result).toMatchObject({ acted: true, outcome: 'acted' });
    expect(http.calls).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: 'http://127.0.0.1:8080/admin/circuit-breaker/checkout/open',
        timeoutMs: 5000,
      }),
    ]);
    expect(http.authorizations).toEqual(['Bearer admin-token\n']);
    const text = await timeline(id);
    expect(text).toContain(
      'started: run the action open-circuit-breaker for checkout (POST http://127.0.0.1:8080/admin/circuit-breaker/checkout/open)',
    );
    expect(text).toContain(
      'open-circuit-breaker done: POST /admin/circuit-breaker/checkout/open answered 204; verifying recovery',
    );
    expect((await dynamo.store.getIncident(id))?.status).toBe('MITIGATING');
    // Counted in the service's action log, so the cooldown and the caps see it.
    expect((await dynamo.store.getServiceActions('checkout')).actions).toEqual([
      { at: now.toISOString(), incidentId: id, playbook: 'custom' },
    ]);
    // The lock was given back.
    expect(
      await new ActionLocks(dynamo.doc, dynamo.tableName).holder('open-circuit-breaker'),
    ).toBeUndefined();
  });

  it('the lock blocks concurrent runs: a second incident does not run the action while the first does', async () => {
    const http = new FakeHttp(200);
    let letGo: () => void = () => {};
    http.gate = new Promise((resolve) => {
      letGo = resolve;
    });
    const first = await open('INC-20261123-001', 'checkout');
    const second = await open('INC-20261123-002', 'payments');
    const deps = depsWith(http);

    const running = mitigate(deps, first, DECISION);
    await expect.poll(() => http.calls.length).toBe(1);
    const blocked = await mitigate(deps, second, DECISION);
    letGo();

    expect(await running).toMatchObject({ outcome: 'acted' });
    expect(blocked).toMatchObject({ acted: false, outcome: 'skipped' });
    expect(http.calls).toHaveLength(1);
    expect(await timeline(second)).toMatch(
      /open-circuit-breaker not run: it is already running for INC-20261123-001 \(since 10:04, held at most until 10:09\); no action taken/,
    );
    // Not counted: it did not run.
    expect((await dynamo.store.getServiceActions('payments')).actions).toEqual([]);
    // Once the first run is done, the next one may run.
    now = new Date(now.getTime() + 60_000);
    expect(await mitigate(deps, second, DECISION)).toMatchObject({ outcome: 'acted' });
  });

  it('ten concurrent runs of one action: exactly one calls', async () => {
    const http = new FakeHttp(200);
    let letGo: () => void = () => {};
    http.gate = new Promise((resolve) => {
      letGo = resolve;
    });
    const ids = await Promise.all(
      Array.from({ length: 10 }, (_, i) => open(`INC-20261123-0${10 + i}`, i % 2 ? 'checkout' : 'payments')),
    );
    const deps = depsWith(http, {
      ...CONFIG,
      automation: { allowlist: ['checkout', 'payments'], cooldownMinutes: 0, maxActionsPerHour: 50 },
    });
    const runs = ids.map((id) => mitigate(deps, id, DECISION));
    await expect.poll(() => http.calls.length).toBe(1);
    letGo();
    const outcomes = (await Promise.all(runs)).map((r) => r.outcome);
    expect(outcomes.filter((o) => o === 'acted')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'skipped')).toHaveLength(9);
    expect(http.calls).toHaveLength(1);
  });

  it('a lock left by a run that died is taken over once it expires', async () => {
    const locks = new ActionLocks(dynamo.doc, dynamo.tableName);
    expect(
      await locks.acquire('open-circuit-breaker', 'INC-old run', now, new Date(now.getTime() + 60_000)),
    ).toBe(true);
    const id = await open('INC-20261123-001', 'checkout');
    const http = new FakeHttp(200);

    expect(await mitigate(depsWith(http), id, DECISION)).toMatchObject({ outcome: 'skipped' });
    now = new Date(now.getTime() + 2 * 60_000);
    expect(await mitigate(depsWith(http), id, DECISION)).toMatchObject({ outcome: 'acted' });
    // The dead run's late release does not free the new holder's lock.
    expect(await locks.release('open-circuit-breaker', 'INC-old run')).toBe(false);
  });

  it('an unexpected status is a failed action, with the reason for the page, and the lock given back', async () => {
    const http = new FakeHttp(503);
    const id = await open('INC-20261123-001', 'checkout');

    const result = await mitigate(depsWith(http), id, DECISION);

    expect(result).toMatchObject({
      acted: false,
      outcome: 'failed',
      reason:
        'open-circuit-breaker failed: POST /admin/circuit-breaker/checkout/open answered 503, expected 200 or 204',
    });
    expect(await timeline(id)).toContain(
      'open-circuit-breaker failed: POST /admin/circuit-breaker/checkout/open answered 503, expected 200 or 204; a person is paged',
    );
    expect(
      await new ActionLocks(dynamo.doc, dynamo.tableName).holder('open-circuit-breaker'),
    ).toBeUndefined();
  });

  it('a path that does not match the pattern is never sent', async () => {
    const http = new FakeHttp(200);
    const input: DeploymentConfigInput = {
      ...CONFIG,
      actions: {
        'open-circuit-breaker': {
          type: 'http',
          method: 'POST',
          baseUrl: 'https://admin.example.com',
          pathTemplate: '/admin/circuit-breaker/{{incident.service}}/open',
          pathPattern: '/admin/circuit-breaker/payments/open',
        },
      },
    };
    const id = await open('INC-20261123-001', 'checkout');

    const result = await mitigate(depsWith(http, input), id, DECISION);

    expect(result.outcome).toBe('failed');
    expect(http.calls).toEqual([]);
    expect(await timeline(id)).toMatch(
      /open-circuit-breaker failed: its request was not sent: pathTemplate rendered "\/admin\/circuit-breaker\/checkout\/open", which does not match/,
    );
    expect((await dynamo.store.getServiceActions('checkout')).actions).toEqual([]);
  });
});

describe('a lambda custom action', () => {
  const warm: Decision = { ...DECISION, action: 'warm-cache' };
  const withLambda = (answer: { statusCode: number; functionError?: string; errorMessage?: string }) => {
    const invocations: Array<{ arn: string; payload: unknown; timeoutMs: number }> = [];
    const deps = depsWith(new FakeHttp(), LAMBDA_CONFIG);
    return {
      invocations,
      deps: {
        ...deps,
        actions: {
          ...(deps.actions as NonNullable<AutomationDeps['actions']>),
          lambda: {
            invoke: async (arn: string, payload: unknown, timeoutMs: number) => {
              invocations.push({ arn, payload, timeoutMs });
              return answer;
            },
          },
        },
      },
    };
  };

  it('invokes the named function with the rendered payload, then verifies', async () => {
    const { deps, invocations } = withLambda({ statusCode: 200 });
    const id = await open('INC-20261123-001', 'checkout');

    expect(await mitigate(deps, id, warm)).toMatchObject({ outcome: 'acted' });
    expect(invocations).toEqual([
      {
        arn: 'arn:aws:lambda:us-east-1:123456789012:function:warm-cache',
        payload: { service: 'checkout', mode: 'full' },
        timeoutMs: 20_000,
      },
    ]);
    expect(await timeline(id)).toContain('warm-cache done: function warm-cache returned; verifying recovery');
  });

  it("a function error is a failed action with the function's message", async () => {
    const { deps } = withLambda({
      statusCode: 200,
      functionError: 'Unhandled',
      errorMessage: 'cache node unreachable',
    });
    const id = await open('INC-20261123-001', 'checkout');

    expect(await mitigate(deps, id, warm)).toMatchObject({
      outcome: 'failed',
      reason: 'warm-cache failed: function warm-cache failed (Unhandled): cache node unreachable',
    });
  });

  it('a payload value that does not match its pattern is never sent', async () => {
    const { deps, invocations } = withLambda({ statusCode: 200 });
    const id = await open('INC-20261123-002', 'payments');

    expect(await mitigate(deps, id, warm)).toMatchObject({ outcome: 'failed' });
    expect(invocations).toEqual([]);
    expect(await timeline(id)).toMatch(
      /warm-cache failed: its request was not sent: payload.service rendered "payments"/,
    );
  });
});
