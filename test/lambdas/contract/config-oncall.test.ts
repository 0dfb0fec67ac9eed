/** The on-call config's problems as a user meets them at synth: each names its field. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/contract/config';
import { type FieldProblem, ValidationError } from '../../../lambdas/domain/errors';
import { exampleInput } from '../../support/fixtures';

// biome-ignore lint/suspicious/noExplicitAny: the tests write deliberately wrong configs
type Raw = Record<string, any>;

const problemsOf = (change: (c: Raw) => void): string[] => {
  const config = exampleInput() as Raw;
  change(config);
  try {
    parseConfig(config, 'test.json');
  } catch (error) {
    if (error instanceof ValidationError)
      return error.problems.map((p: FieldProblem) => `${p.path}: ${p.message}`);
    throw error;
  }
  return expect.fail('expected the config to be rejected');
};

describe('on-call in the deployment config', () => {
  it('accepts the example: on-call pages the app schedule, devops-lead is the fallback', () => {
    const config = parseConfig(exampleInput(), 'example');
    expect(config.contacts['on-call']).toMatchObject({ schedule: 'app', email: [], sms: [] });
    expect(config.oncall?.fallback).toEqual(['devops-lead']);
    expect(config.oncall?.deferral).toEqual({ P3: 'business-hours', P4: 'business-hours' });
  });

  it('names a schedule or layer that does not exist, and a tier with neither endpoints nor a schedule', () => {
    expect(
      problemsOf((c) => {
        c.contacts['on-call'] = { schedule: 'ap' };
        c.contacts.primary = { schedule: 'app', layer: 'primery' };
        c.contacts.nobody = {};
        c.contacts.stray = { layer: 'primary', email: ['x@example.com'] };
      }),
    ).toEqual([
      'contacts.nobody: needs at least one endpoint (an email, an SMS number or a chat channel) or a schedule',
      'contacts.stray.layer: names a layer: set schedule too',
      "contacts.on-call.schedule: names schedule 'ap', which oncall.schedules does not define (defined: app)",
      "contacts.primary.layer: names layer 'primery', which schedule app does not have (layers: primary, secondary)",
    ]);
  });

  it('names a schedule tier without an oncall section', () => {
    expect(
      problemsOf((c) => {
        delete c.oncall;
      }),
    ).toEqual(["contacts.on-call.schedule: names schedule 'app', but the config has no oncall section"]);
  });

  it('names a fallback that is nobody, or a tier that reaches nobody without a schedule, and a person named as a tier', () => {
    expect(
      problemsOf((c) => {
        c.oncall.fallback = ['zoe', 'on-call'];
        c.oncall.people[0].name = 'cto';
        c.oncall.schedules.app.layers[0].members = ['cto', 'bob-ortiz'];
      }),
    ).toEqual([
      "oncall.people[0].name: 'cto' is also a tier in contacts: a person and a tier need different names",
      'oncall.fallback[0]: zoe is neither in oncall.people nor a tier in contacts',
      'oncall.fallback[1]: on-call is a tier with no endpoints of its own: a fallback tier must reach someone without a schedule',
    ]);
  });

  it('names a deferral calendar that does not exist and a severity that is not one', () => {
    expect(
      problemsOf((c) => {
        c.oncall.deferral = { P4: 'office-hours', P9: 'business-hours' };
      }),
    ).toEqual([
      'oncall.deferral.P9: is not a known setting (a typo?)',
      'oncall.deferral.P4: office-hours is not in calendars',
    ]);
  });
});
