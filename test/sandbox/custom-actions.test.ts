/**
 * Custom remediation actions in the sandbox (issue 15), through the synthesized workflow and the real
 * automation bundle: an `http` action on checkout's admin API (external-api) and an `ssm-automation`
 * runbook polled to its end (cache-degraded), and what happens when either fails.
 */
import { describe, expect, it } from 'vitest';
import type { DeploymentConfigInput } from '../../lambdas/contract/config-schema';
import { type DrillOptions, runDrill } from '../../sandbox/drill';
import type { Sandbox } from '../../sandbox/sandbox';
import { SCENARIOS, type Scenario } from '../../sandbox/scenarios';

const START = new Date('2026-11-23T10:00:00.000Z');

const scenario = (name: string, change: (s: Scenario) => Scenario = (s) => s): Scenario => {
  const base = SCENARIOS[name];
  if (!base) throw new Error(`no scenario ${name}`);
  return change(base);
};
const withConfig = (s: Scenario, extra: Partial<DeploymentConfigInput>): Scenario => ({
  ...s,
  config: { ...s.config, ...extra },
});

/** `s` with its first step (where each drill defines its admin API, runbook or function) doing `apply`. */
const withFirstStep = (s: Scenario, apply: Scenario['steps'][number]['apply']): Scenario => ({
  ...s,
  steps: s.steps.map((step, i) => (i === 0 ? { ...step, apply } : step)),
});

const play = async (s: Scenario, options: DrillOptions = {}) => {
  const report = await runDrill(s, { start: START, ...options });
  const incident = report.incidents[0];
  if (!incident) throw new Error('the drill opened no incident');
  const text = incident.timeline.map((e) => e.summary).join('\n');
  return { report, incident, text };
};

describe('external-api: an http action opens the circuit breaker', () => {
  it('diagnoses the failing dependency, calls the admin API once with its token, verifies and resolves', async () => {
    const { report, incident, text } = await play(scenario('external-api'));

    expect(report.adminCalls).toEqual([
      {
        at: expect.stringMatching(/^2026-11-23T10:0[45]/),
        method: 'POST',
        path: '/admin/circuit-breaker/checkout/open',
        authorized: true,
        status: 204,
      },
    ]);
    expect(report.ecsCalls).toEqual([]);
    expect(text).toMatch(/dependency sign: 5xx from an upstream/);
    expect(text).toContain(
      "decision: act custom: run the action open-circuit-breaker: every guardrail passed (checkout's playbook names open-circuit-breaker for dependency at P2, in place of page-only)",
    );
    expect(text).toMatch(
      /started: run the action open-circuit-breaker for checkout \(POST http:\/\/127\.0\.0\.1:\d+\/admin\/circuit-breaker\/checkout\/open\)/,
    );
    expect(text).toMatch(
      /open-circuit-breaker done: POST \/admin\/circuit-breaker\/checkout\/open answered 204; verifying recovery/,
    );
    expect(text).toMatch(/verified: ECS steady and the alarm OK/);
    expect(incident.status).toBe('RESOLVED');
  });

  it('dry-run says what it would have called and calls nothing', async () => {
    const { report, text } = await play(
      scenario('external-api', (s) =>
        withConfig(s, { automation: { allowlist: ['checkout'], dryRun: true } }),
      ),
    );
    expect(report.adminCalls).toEqual([]);
    expect(text).toMatch(/decision: dry-run custom: dry run: would run the action open-circuit-breaker/);
  });

  it('approval by severity: nothing is called until a person approves, then the action runs', async () => {
    const approve = {
      atMinute: 7,
      run: async (sandbox: Sandbox) => {
        const [record] = sandbox.deliveries;
        await sandbox.answerApproval(record?.intake?.incidentId ?? '', true, 'alice');
      },
    };
    const { report, text } = await play(
      scenario('external-api', (s) =>
        withConfig(s, { automation: { allowlist: ['checkout'], approvalRequiredFor: ['P2'] } }),
      ),
      { hooks: [approve] },
    );
    expect(text).toMatch(
      /decision: needs-approval custom: approval required to run the action open-circuit-breaker/,
    );
    expect(text).toMatch(/approved by alice/);
    expect(report.adminCalls).toEqual([
      expect.objectContaining({ at: expect.stringMatching(/^2026-11-23T10:07/), status: 204 }),
    ]);
  });

  it('the kill switch stops the action without a deploy', async () => {
    const off = {
      atMinute: 0,
      run: async (sandbox: Sandbox) => {
        sandbox.aws.killSwitch = 'false';
      },
    };
    const { report, text } = await play(scenario('external-api'), { hooks: [off] });
    expect(report.adminCalls).toEqual([]);
    expect(text).toMatch(
      /decision: refused custom: refused to run the action open-circuit-breaker: the kill switch is off/,
    );
  });

  it('an admin API that answers 500 pages a person with the reason at once', async () => {
    const broken = withFirstStep(scenario('external-api'), (env) =>
      env.admin.on('POST', '/admin/circuit-breaker/checkout/open', () => 500),
    );
    const { report, incident, text } = await play(broken);

    expect(report.adminCalls.map((c) => c.status)).toEqual([500]);
    expect(text).toMatch(
      /open-circuit-breaker failed: POST \/admin\/circuit-breaker\/checkout\/open answered 500, expected 200 or 204; a person is paged/,
    );
    const escalation = report.pages.find((p) => p.kind === 'ESCALATION');
    expect(escalation?.body).toContain('open-circuit-breaker failed');
    expect(incident.status).not.toBe('RESOLVED');
  });
});

describe('cache-degraded: an ssm-automation runbook clears the cache', () => {
  it('starts the runbook, polls it to Success, verifies and resolves', async () => {
    const { report, incident, text } = await play(scenario('cache-degraded'));

    expect(report.runbooks).toEqual([
      expect.objectContaining({
        documentName: 'Sandbox-ClearCache',
        documentVersion: '2',
        status: 'Success',
        parameters: {
          CacheName: ['checkout-cache'],
          IncidentId: [incident.id],
          AutomationAssumeRole: ['arn:aws:iam::123456789012:role/checkout-cache-runbook'],
        },
      }),
    ]);
    expect(text).toMatch(/dependency sign: timeouts to a datastore/);
    expect(text).toMatch(
      /started: run the action clear-cache for checkout \(SSM Automation runbook Sandbox-ClearCache:2, at most 10 min\)/,
    );
    expect(text).toMatch(
      /clear-cache: automation execution [0-9a-f-]{36} started; checking it every 15 s, every minute after 10 min, every 5 min after an hour/,
    );
    expect(text).toMatch(
      /clear-cache done: automation execution [0-9a-f-]{36} ended Success; verifying recovery/,
    );
    expect(incident.status).toBe('RESOLVED');
  });

  it("a runbook that fails pages a person with SSM's message", async () => {
    const failing = withFirstStep(scenario('cache-degraded'), (env) =>
      env.automation.define('Sandbox-ClearCache', {
        runSeconds: 40,
        finalStatus: 'Failed',
        failureMessage: 'Step fails when it is Executing. Fail message: NOAUTH Authentication required',
      }),
    );
    const { report, incident, text } = await play(failing);

    expect(report.runbooks.map((r) => r.status)).toEqual(['Failed']);
    expect(text).toMatch(
      /clear-cache failed: automation execution .* ended Failed: Step fails when it is Executing\. Fail message: NOAUTH/,
    );
    expect(report.pages.some((p) => p.kind === 'ESCALATION' && p.body.includes('clear-cache failed'))).toBe(
      true,
    );
    expect(incident.status).not.toBe('RESOLVED');
  });

  it('a poll that keeps failing escalates the failed step, as any step', async () => {
    const { report, text } = await play(scenario('cache-degraded'), {
      faults: { PollAutomation: 'throw' },
      allowFailedExecutions: true,
    });
    expect(text).toMatch(/PollAutomation/);
    expect(report.failedExecutions).toBe(1);
  });
});

describe("cache-cold: a lambda action invokes the team's function", () => {
  it('invokes checkout-warm-cache:live once with the rendered payload, verifies and resolves', async () => {
    const { report, incident, text } = await play(scenario('cache-cold'));

    expect(report.functionCalls).toEqual([
      {
        at: expect.stringMatching(/^2026-11-23T10:0/),
        functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:checkout-warm-cache',
        qualifier: 'live',
        payload: { cache: 'checkout-cache', incident: incident.id, keys: 'hot' },
        outcome: 'ok',
      },
    ]);
    expect(report.ecsCalls).toEqual([]);
    expect(text).toContain(
      "decision: act custom: run the action warm-cache: every guardrail passed (checkout's playbook names warm-cache for dependency at P2, in place of page-only)",
    );
    expect(text).toMatch(/warm-cache done: function checkout-warm-cache:live returned; verifying recovery/);
    expect(text).toMatch(/verified: ECS steady and the alarm OK/);
    expect(incident.status).toBe('RESOLVED');
    expect(report.failedExecutions).toBe(0);
  });

  it("a function that throws pages a person with the function's message at once", async () => {
    const failing = withFirstStep(scenario('cache-cold'), (env) =>
      env.functions.define('arn:aws:lambda:us-east-1:123456789012:function:checkout-warm-cache', () => {
        throw new Error('redis checkout-cache: READONLY You cannot write against a read only replica');
      }),
    );
    const { report, incident, text } = await play(failing);

    expect(report.functionCalls.map((c) => c.outcome)).toEqual([
      'redis checkout-cache: READONLY You cannot write against a read only replica',
    ]);
    expect(text).toMatch(/warm-cache failed: .*READONLY You cannot write against a read only replica/);
    const escalation = report.pages.find((p) => p.kind === 'ESCALATION');
    expect(escalation?.body).toContain('warm-cache failed');
    expect(incident.status).not.toBe('RESOLVED');
  });

  it("invokes a function of another region in that region (the stand-in refuses one signed for the wrong region, as Lambda's regional endpoints do)", async () => {
    const elsewhere = 'arn:aws:lambda:eu-west-1:123456789012:function:checkout-warm-cache';
    const moved = withFirstStep(
      withConfig(scenario('cache-cold'), {
        actions: {
          'warm-cache': { type: 'lambda', functionArn: elsewhere, payload: { cache: 'checkout-cache' } },
        },
      }),
      (env) =>
        env.functions.define(elsewhere, () => {
          env.setMetrics('checkout', { p95LatencyMs: 120 });
          return { warmed: 3 };
        }),
    );
    const { report, incident } = await play(moved);

    expect(report.functionCalls.map((c) => [c.functionArn, c.outcome])).toEqual([[elsewhere, 'ok']]);
    expect(incident.status).toBe('RESOLVED');
  });
});
