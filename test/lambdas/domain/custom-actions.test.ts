import { describe, expect, it } from 'vitest';
import {
  httpActionOutcome,
  httpActionRequest,
  type PlaybookLine,
  withPlaybook,
} from '../../../lambdas/domain/custom-actions';
import { ValidationError } from '../../../lambdas/domain/errors';
import type { Diagnosis, GuardrailState } from '../../../lambdas/domain/evidence';
import { decide, describeAction } from '../../../lambdas/domain/playbooks';

const NOW = new Date('2026-11-23T10:05:00.000Z');
const DEPENDENCY: Diagnosis = {
  findings: [],
  suspectedCause: 'dependency',
  recommended: 'page-only',
  summary: 'checkout: 5xx from an upstream in the logs',
};
const BAD_DEPLOY: Diagnosis = {
  ...DEPENDENCY,
  suspectedCause: 'bad-deployment',
  recommended: 'rollback',
  rollbackTo: 'checkout:41',
};
const PLAYBOOK: PlaybookLine[] = [
  { causes: ['dependency'], severities: ['P2', 'P3'], action: 'open-circuit-breaker' },
  { causes: ['dependency', 'unknown'], action: 'page-vendor' },
];
const GUARDRAILS: GuardrailState = {
  automationEnabled: true,
  killSwitchAllowsActions: true,
  allowlisted: true,
  dryRun: false,
  actionsThisIncident: 0,
  maxActionsPerIncident: 2,
  actionsLastHourForService: 0,
  maxActionsPerHour: 5,
  cooldownMinutes: 15,
  approvalRequired: false,
};
const INCIDENT = { id: 'INC-20261123-001', service: 'checkout', severity: 'P2' as const };
const SPEC = {
  method: 'POST',
  baseUrl: 'https://admin.example.com',
  pathTemplate: '/admin/{{incident.service}}/circuit-breaker/open',
  pathPattern: '/admin/[a-z0-9-]+/circuit-breaker/open',
  expectedStatuses: [200],
};

describe('a service playbook naming custom actions', () => {
  it('the first line matching the cause and the severity decides', () => {
    expect(withPlaybook(DEPENDENCY, PLAYBOOK, 'P2')).toMatchObject({
      recommended: 'custom',
      action: 'open-circuit-breaker',
    });
    expect(withPlaybook(DEPENDENCY, PLAYBOOK, 'P1')).toMatchObject({ action: 'page-vendor' });
    // No line for the cause: the built-in playbook stands, target and all.
    expect(withPlaybook(BAD_DEPLOY, PLAYBOOK, 'P2')).toBe(BAD_DEPLOY);
    // A custom action replaces the rollback, and its target goes with it.
    const replaced = withPlaybook(BAD_DEPLOY, [{ causes: ['bad-deployment'], action: 'x' }], 'P1');
    expect(replaced).toMatchObject({ recommended: 'custom', action: 'x' });
    expect(replaced.rollbackTo).toBeUndefined();
  });

  it('goes through the same guardrails as a rollback', () => {
    const custom = withPlaybook(DEPENDENCY, PLAYBOOK, 'P2');
    const with_ = (over: Partial<GuardrailState>) => decide(custom, { ...GUARDRAILS, ...over }, NOW);

    expect(with_({})).toMatchObject({
      verdict: 'act',
      playbook: 'custom',
      action: 'open-circuit-breaker',
      reason: 'run the action open-circuit-breaker: every guardrail passed',
    });
    expect(with_({ killSwitchAllowsActions: false })).toMatchObject({
      verdict: 'refused',
      reason: 'refused to run the action open-circuit-breaker: the kill switch is off: no automatic actions',
    });
    expect(with_({ allowlisted: false }).verdict).toBe('refused');
    expect(with_({ actionsThisIncident: 2 }).reason).toMatch(/cap reached/);
    expect(with_({ lastActionAt: '2026-11-23T10:00:00.000Z' }).reason).toMatch(
      /cooldown: .* 10 minutes left/,
    );
    expect(with_({ dryRun: true })).toMatchObject({
      verdict: 'dry-run',
      reason: 'dry run: would run the action open-circuit-breaker',
    });
    expect(with_({ approvalRequired: true }).verdict).toBe('needs-approval');
    expect(describeAction(with_({}), 'checkout')).toBe('run the action open-circuit-breaker for checkout');
  });
});

describe('an http action request', () => {
  it('puts the rendered path, its values URL-encoded, on the fixed host', () => {
    expect(httpActionRequest('open-circuit-breaker', SPEC, INCIDENT)).toEqual({
      method: 'POST',
      url: 'https://admin.example.com/admin/checkout/circuit-breaker/open',
      path: '/admin/checkout/circuit-breaker/open',
    });
    const encoded = httpActionRequest(
      'a',
      { ...SPEC, pathTemplate: '/incidents/{{incident.id}}', pathPattern: '/incidents/[^/]+' },
      { ...INCIDENT, id: 'INC 1/../x' },
    );
    expect(encoded.url).toBe('https://admin.example.com/incidents/INC%201%2F..%2Fx');
  });

  it('sends nothing whose path does not match the pattern whole, or that is templated without one', () => {
    const refused = (spec: typeof SPEC | Omit<typeof SPEC, 'pathPattern'>, incident = INCIDENT) => {
      try {
        httpActionRequest('open-circuit-breaker', spec, incident);
      } catch (error) {
        return error instanceof ValidationError ? error.problems : error;
      }
      return 'sent';
    };
    expect(refused({ ...SPEC, pathPattern: '/admin/payments/circuit-breaker/open' })).toEqual([
      {
        path: 'pathTemplate',
        message:
          'rendered "/admin/checkout/circuit-breaker/open", which does not match //admin/payments/circuit-breaker/open/',
      },
    ]);
    // A match anywhere inside is not enough: the whole path must match.
    expect(refused({ ...SPEC, pathPattern: 'checkout' })).toHaveLength(1);
    const { pathPattern: _p, ...unchecked } = SPEC;
    expect(refused(unchecked)).toEqual([
      { path: 'pathPattern', message: 'is missing: a templated path is never sent unchecked' },
    ]);
    expect(refused({ ...unchecked, pathTemplate: '/admin/flush' } as typeof SPEC)).toBe('sent');
  });

  it('is done only on an expected status', () => {
    expect(httpActionOutcome(204, [200, 204])).toEqual({ ok: true, summary: 'answered 204' });
    expect(httpActionOutcome(302, [200])).toEqual({ ok: false, summary: 'answered 302, expected 200' });
  });
});
