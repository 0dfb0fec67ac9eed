import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/contract/config';
import { ValidationError } from '../../../lambdas/domain/errors';
import { DRILL_CONFIG } from '../../../sandbox/scenarios';

const [checkout, ...others] = DRILL_CONFIG.services;
const withPlaybook = (playbook: unknown, actions: unknown) => ({
  ...DRILL_CONFIG,
  services: [{ ...checkout, playbook }, ...others],
  actions,
});
const ACTIONS = {
  'open-circuit-breaker': {
    type: 'http',
    method: 'POST',
    baseUrl: 'https://admin.example.com',
    pathTemplate: '/admin/circuit-breaker/open',
  },
};

const problems = (input: unknown): string[] => {
  try {
    parseConfig(input, 'test');
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
};

describe('service playbooks naming custom actions', () => {
  it('takes a playbook whose actions are defined, with the http defaults filled', () => {
    const config = parseConfig(
      withPlaybook([{ causes: ['dependency'], severities: ['P2'], action: 'open-circuit-breaker' }], ACTIONS),
      'test',
    );
    expect(config.services[0]?.playbook).toEqual([
      { causes: ['dependency'], severities: ['P2'], action: 'open-circuit-breaker' },
    ]);
    expect(config.actions?.['open-circuit-breaker']).toMatchObject({
      expectedStatuses: [200],
      timeoutSeconds: 10,
    });
  });

  it('names a playbook line whose action is not defined, and an unknown cause', () => {
    expect(
      problems(
        withPlaybook(
          [
            { causes: ['dependency'], action: 'open-circuit-breakr' },
            { causes: ['gremlins'], action: 'open-circuit-breaker' },
          ],
          ACTIONS,
        ),
      ),
    ).toEqual([
      expect.stringMatching(/^services\[0\]\.playbook\[1\]\.causes\[0\]: /),
      "services[0].playbook[0].action: names action 'open-circuit-breakr', which actions does not define (defined: open-circuit-breaker)",
    ]);
  });

  it('requires a pattern for a templated http path', () => {
    expect(
      problems(
        withPlaybook([], {
          'open-circuit-breaker': {
            ...ACTIONS['open-circuit-breaker'],
            pathTemplate: '/admin/{{incident.service}}',
          },
        }),
      ),
    ).toEqual([
      'actions.open-circuit-breaker.pathPattern: is required: pathTemplate takes incident values, and the rendered path is checked before it is sent',
    ]);
  });
});
