/** On-call at synth (issue 13): handoffs that fall in a DST gap or overlap are warned about, by date. */
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { composeTestApp, exampleInput } from '../support/fixtures';

// biome-ignore lint/suspicious/noExplicitAny: the test edits the example config in place
const withSecondaryHandoff = (time: string, anchor: string): any => {
  // biome-ignore lint/suspicious/noExplicitAny: as above
  const input: any = exampleInput();
  input.oncall.schedules.app.layers[1].rotation = { unit: 'day', every: 1, handoff: { time }, anchor };
  return input;
};

describe('cdk synth with on-call schedules', () => {
  it('warns of a 02:30 handoff on 2026-03-08 (spring forward) and a 01:30 one on 2026-11-01 (fall back)', () => {
    const spring = Annotations.fromStack(composeTestApp(withSecondaryHandoff('02:30', '2026-03-01')).stack);
    expect(
      spring.findWarning('*', Match.stringLikeRegexp('2026-03-08 02:30 America/New_York does not exist')),
    ).toHaveLength(1);
    const fall = Annotations.fromStack(composeTestApp(withSecondaryHandoff('01:30', '2026-10-01')).stack);
    expect(
      fall.findWarning(
        '*',
        Match.stringLikeRegexp('2026-11-01 01:30 America/New_York occurs twice.*2026-11-01T05:30:00.000Z'),
      ),
    ).toHaveLength(1);
  });

  it('says nothing of the example, whose handoffs are at 09:00', () => {
    const warnings = Annotations.fromStack(composeTestApp().stack).findWarning(
      '*',
      Match.stringLikeRegexp('handoff'),
    );
    expect(warnings).toEqual([]);
  });
});
