import { describe, expect, it } from 'vitest';
import {
  DEFAULT_STATUS_TEMPLATES,
  type StatusPageConfigInput,
  statusPageConfigSchema,
} from '../../../lambdas/contract/config-schema-status-page';

const minimal = (): StatusPageConfigInput => ({
  title: 'Example status',
  components: [{ name: 'Checkout API', services: ['checkout'] }],
});

/** Every problem of a config, as `path: message`. */
const issues = (input: unknown): string[] => {
  const result = statusPageConfigSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('statusPageConfigSchema', () => {
  it('defaults to publishing P1 and P2, confirming the first post, with the default wording', () => {
    const config = statusPageConfigSchema.parse(minimal());
    expect(config.severities).toEqual(['P1', 'P2']);
    expect(config.confirmFirstPost).toBe(true);
    expect(config.templates).toEqual(DEFAULT_STATUS_TEMPLATES);
    expect(config.url).toBeUndefined();
    expect(config.region).toBeUndefined();
  });

  it('keeps the templates it is given and defaults the others one by one', () => {
    const config = statusPageConfigSchema.parse({
      ...minimal(),
      templates: { investigating: 'Looking into {service} ({component}).' },
      confirmFirstPost: false,
      severities: ['P1'],
      region: 'eu-central-1',
    });
    expect(config.templates.investigating).toBe('Looking into {service} ({component}).');
    expect(config.templates.resolved).toBe(DEFAULT_STATUS_TEMPLATES.resolved);
    expect(config).toMatchObject({ confirmFirstPost: false, severities: ['P1'], region: 'eu-central-1' });
  });

  it('refuses a P3 or P4 among the severities that publish, at its index', () => {
    expect(issues({ ...minimal(), severities: ['P1', 'P3', 'P4'] })).toEqual([
      'severities.1: a P3 never publishes: only P1 and P2 go on the status page',
      'severities.2: a P4 never publishes: only P1 and P2 go on the status page',
    ]);
    expect(issues({ ...minimal(), severities: [] })).toEqual([
      'severities: needs P1, P2 or both (leave statusPage out to publish nothing)',
    ]);
  });

  it('names the template and the placeholder it does not know', () => {
    expect(
      issues({
        ...minimal(),
        templates: { identified: 'Found it in {componnet}.', monitoring: '{} {service}' },
      }),
    ).toEqual([
      'templates.identified: uses {componnet}: the placeholders are {component} and {service}',
      'templates.monitoring: uses {}: the placeholders are {component} and {service}',
    ]);
  });

  it('reports every component problem at once, by path', () => {
    expect(
      issues({
        title: 'Example status',
        components: [
          { name: 'Checkout API', services: ['checkout'] },
          { name: 'checkout  api!', services: ['Payments', 'checkout', 'checkout'] },
          { name: '***', services: [] },
        ],
      }),
    ).toEqual([
      'components.1.services.0: must be a kebab-case service name such as checkout (lower-case letters, digits and single hyphens)',
      'components.1.services.2: repeats "checkout"',
      'components.2.services: needs at least one service',
      'components.1.name: repeats component checkout-api (names that differ only in case or punctuation share an id)',
      'components.2.name: needs a letter or digit (the component id is made of them)',
    ]);
  });

  it('is strict: a misspelt key, a plain http URL or an unknown region is an error', () => {
    expect(
      issues({ ...minimal(), confirmFirstpost: false, url: 'http://status.example.com', region: 'mars-1' }),
    ).toEqual([
      'url: must be an https:// URL',
      'region: must be an AWS region such as eu-west-1',
      ': Unrecognized key: "confirmFirstpost"',
    ]);
  });
});
