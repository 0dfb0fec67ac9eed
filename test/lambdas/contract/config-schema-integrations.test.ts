import { describe, expect, it } from 'vitest';
import {
  type IntegrationsConfigInput,
  integrationsConfigSchema,
} from '../../../lambdas/contract/config-schema-integrations';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:incident/github-token-AbCdEf';
const ROLE = 'arn:aws:iam::123456789012:role/incident-automation';
const FUNCTION = 'arn:aws:lambda:eu-west-1:123456789012:function:warm-cache';

const valid: IntegrationsConfigInput = {
  tickets: {
    provider: 'github',
    owner: 'acme',
    repo: 'incidents',
    tokenSecretArn: SECRET,
    labels: ['incident'],
  },
  webhooks: [
    {
      name: 'status-bot',
      url: 'https://hooks.example.com/incidents',
      secretArn: SECRET,
      events: ['incident.opened', 'incident.resolved'],
    },
  ],
  actions: {
    'clear-cache': {
      type: 'ssm-automation',
      documentName: 'Acme-ClearCache',
      documentVersion: '3',
      parameters: { CacheName: '{{incident.service}}-cache', IncidentId: '{{incident.id}}' },
      parameterPatterns: { CacheName: '[a-z-]+-cache', IncidentId: 'INC-\\d{8}-\\d{3,}' },
      roleArn: ROLE,
    },
    'warm-cache': {
      type: 'lambda',
      functionArn: FUNCTION,
      payload: { service: '{{incident.service}}' },
      payloadPatterns: { service: '[a-z0-9-]+' },
    },
    'open-circuit-breaker': {
      type: 'http',
      method: 'POST',
      baseUrl: 'https://admin.example.com',
      pathTemplate: '/services/{{incident.service}}/circuit-breaker/open',
      pathPattern: '/services/[a-z0-9-]+/circuit-breaker/open',
      authSecretArn: SECRET,
      expectedStatuses: [200, 204],
    },
  },
};

/** Every problem of `input` as `path: message`, in the order zod reports them. */
const problems = (input: unknown): string[] => {
  const result = integrationsConfigSchema.safeParse(input);
  if (result.success) return [];
  // A bad record key carries its own check's message inside, as parseConfig reports it.
  return result.error.issues.flatMap((i) =>
    (i.code === 'invalid_key' ? i.issues : [i]).map((inner) => `${i.path.join('.')}: ${inner.message}`),
  );
};

describe('integrationsConfigSchema', () => {
  it('accepts a config with all three parts, filling the defaults', () => {
    const config = integrationsConfigSchema.parse(valid);
    expect(config.tickets).toMatchObject({
      provider: 'github',
      severities: ['P1', 'P2'],
      closeOnResolve: true,
    });
    expect(config.actions['clear-cache']).toMatchObject({ timeoutMinutes: 15 });
    expect(integrationsConfigSchema.parse({})).toEqual({ webhooks: [], actions: {} });
  });

  it('accepts Jira with a transition by name or by id, and defaults the issue type', () => {
    for (const resolveTransition of [{ name: 'Done' }, { id: '31' }]) {
      const config = integrationsConfigSchema.parse({
        tickets: {
          provider: 'jira',
          baseUrl: 'https://acme.atlassian.net',
          projectKey: 'OPS',
          emailSecretArn: SECRET,
          tokenSecretArn: SECRET,
          resolveTransition,
        },
      });
      expect(config.tickets).toMatchObject({ provider: 'jira', issueType: 'Task', resolveTransition });
    }
  });

  it('names the path of each ticket problem', () => {
    expect(
      problems({
        tickets: {
          provider: 'github',
          owner: '-acme',
          repo: 'incidents.git',
          tokenSecretArn: 'token',
          severities: [],
        },
      }),
    ).toEqual([
      'tickets.owner: must be a GitHub user or organization name',
      'tickets.repo: must be a repository name (without .git)',
      expect.stringMatching(/^tickets\.tokenSecretArn: must be a Secrets Manager secret ARN/),
      expect.stringMatching(/^tickets\.severities: /),
    ]);
    expect(
      problems({
        tickets: {
          provider: 'jira',
          baseUrl: 'http://acme.atlassian.net',
          projectKey: 'ops',
          emailSecretArn: SECRET,
          tokenSecretArn: SECRET,
          resolveTransition: { name: 'Done', id: '31' },
        },
      }),
    ).toEqual([
      'tickets.baseUrl: must be an https:// URL',
      'tickets.projectKey: must be a Jira project key such as OPS',
      expect.stringMatching(/^tickets\.resolveTransition: /),
    ]);
    expect(problems({ tickets: { provider: 'servicenow' } })).toEqual([
      expect.stringMatching(/^tickets\.provider: /),
    ]);
  });

  it('refuses a Jira site with a path and a label that would pass for a marker', () => {
    expect(
      problems({
        tickets: {
          provider: 'jira',
          baseUrl: 'https://acme.atlassian.net/jira',
          projectKey: 'OPS',
          emailSecretArn: SECRET,
          tokenSecretArn: SECRET,
          labels: ['ops', 'incident-inc-20261203-001'],
        },
      }),
    ).toEqual([
      'tickets.baseUrl: must be the site alone, with no path or query',
      'tickets.labels.1: must not start with incident-: that prefix is the marker label',
    ]);
  });

  it('names the path of each webhook problem', () => {
    const hook = valid.webhooks?.[0];
    expect(
      problems({
        webhooks: [
          hook,
          { ...hook, url: 'http://hooks.example.com', events: ['incident.opened', 'incident.closed'] },
          { ...hook, url: 'https://user:pass@hooks.example.com', events: [] },
        ],
      }),
    ).toEqual([
      'webhooks.1.url: must be an https:// URL',
      expect.stringMatching(/^webhooks\.1\.events\.1: /),
      'webhooks.2.events: needs at least one event',
    ]);
    expect(
      problems({
        webhooks: [
          hook,
          { ...hook, url: 'https://user:pass@hooks.example.com' },
          { ...hook, events: ['incident.opened', 'incident.opened'] },
        ],
      }),
    ).toEqual([
      'webhooks.2.events.1: repeats "incident.opened"',
      'webhooks.1.name: repeats webhook status-bot',
      'webhooks.1.url: must not carry credentials: the signature authenticates the delivery',
      'webhooks.2.name: repeats webhook status-bot',
    ]);
  });

  it('refuses an action name that is not kebab-case and an unknown action type', () => {
    expect(problems({ actions: { ClearCache: { type: 'lambda', functionArn: FUNCTION } } })).toEqual([
      expect.stringMatching(/^actions\.ClearCache: must be a kebab-case action name/),
    ]);
    expect(problems({ actions: { 'run-script': { type: 'shell', command: 'rm -rf /' } } })).toEqual([
      expect.stringMatching(/^actions\.run-script\.type: /),
    ]);
  });

  it('names each ssm-automation parameter without a pattern, each pattern without a parameter, and a bad pattern', () => {
    expect(
      problems({
        actions: {
          'clear-cache': {
            type: 'ssm-automation',
            documentName: 'Acme-ClearCache',
            documentVersion: 'latest',
            parameters: {
              CacheName: '{{incident.service}}',
              Region: 'eu-west-1',
              Owner: '{{incident.owner}}',
            },
            parameterPatterns: { CacheName: '[a-z', Owner: '.+', Stale: '.*' },
            roleArn: 'incident-automation',
            timeoutMinutes: 0,
          },
        },
      }),
    ).toEqual([
      'actions.clear-cache.documentVersion: must be $DEFAULT, $LATEST or a version number',
      'actions.clear-cache.parameters.Owner: names {{incident.owner}}; only incident.id, incident.service and incident.severity can be templated',
      expect.stringMatching(/^actions\.clear-cache\.roleArn: must be an IAM role ARN/),
      expect.stringMatching(/^actions\.clear-cache\.timeoutMinutes: /),
      'actions.clear-cache.parameterPatterns.Region: needs a pattern: every value of parameters.Region is checked before it is sent',
      'actions.clear-cache.parameterPatterns.CacheName: is not a valid regular expression',
      'actions.clear-cache.parameterPatterns.Stale: Stale is not in parameters',
    ]);
  });

  it('refuses a runbook named by ARN, whose grant would need the other account', () => {
    expect(
      problems({
        actions: {
          'clear-cache': {
            type: 'ssm-automation',
            documentName: 'arn:aws:ssm:eu-west-1:210987654321:document/Shared-ClearCache',
            roleArn: 'arn:aws:iam::123456789012:role/cache-runbook',
          },
        },
      }),
    ).toEqual([
      expect.stringMatching(
        /^actions\.clear-cache\.documentName: must be an SSM document name .* not an ARN/,
      ),
    ]);
  });

  it('names the path of lambda action problems', () => {
    expect(
      problems({
        actions: {
          'warm-cache': {
            type: 'lambda',
            functionArn: 'arn:aws:lambda:eu-west-1:123456789012:layer:x',
            payload: { service: '{{service}}' },
          },
        },
      }),
    ).toEqual([
      expect.stringMatching(/^actions\.warm-cache\.functionArn: must be a Lambda function ARN/),
      'actions.warm-cache.payload.service: names {{service}}; only incident.id, incident.service and incident.severity can be templated',
      'actions.warm-cache.payloadPatterns.service: needs a pattern: payload.service takes incident values, checked before they are sent',
    ]);
  });

  it('keeps the http host fixed: no path, query or credentials in baseUrl, and a plain templated path', () => {
    const action = valid.actions?.['open-circuit-breaker'];
    const bad = (over: object) => problems({ actions: { 'open-circuit-breaker': { ...action, ...over } } });
    const fixedHost =
      'actions.open-circuit-breaker.baseUrl: must be scheme and host alone (https://admin.example.com); the path goes in pathTemplate';
    expect(bad({ baseUrl: 'https://admin.example.com/api' })).toEqual([fixedHost]);
    expect(bad({ baseUrl: 'https://admin.example.com?x=1' })).toEqual([fixedHost]);
    expect(bad({ baseUrl: 'https://me:pw@admin.example.com' })).toEqual([fixedHost]);
    expect(bad({ baseUrl: 'https://{{incident.service}}.example.com' })).toEqual([
      'actions.open-circuit-breaker.baseUrl: is never templated: the host is fixed, only pathTemplate takes incident values',
    ]);
    const plainPath =
      'actions.open-circuit-breaker.pathTemplate: must be a plain path: no //, no . or .. segment, no query or fragment';
    expect(bad({ pathTemplate: '//evil.example.com/x' })).toEqual([plainPath]);
    expect(bad({ pathTemplate: '/services/../admin' })).toEqual([plainPath]);
    expect(bad({ pathTemplate: '/flags?name={{incident.service}}' })).toEqual([plainPath]);
    expect(bad({ pathTemplate: 'services/x' })).toEqual([
      'actions.open-circuit-breaker.pathTemplate: must start with /',
    ]);
    expect(bad({ method: 'TRACE', expectedStatuses: [200, 200, 500] })).toEqual([
      expect.stringMatching(/^actions\.open-circuit-breaker\.method: /),
      expect.stringMatching(/^actions\.open-circuit-breaker\.expectedStatuses\.2: /),
      'actions.open-circuit-breaker.expectedStatuses.1: repeats 200',
    ]);
  });
});
