import { AutomationExecutionStatus } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lambdas/domain/errors';
import {
  AUTOMATION_EXECUTION_STATUSES,
  automationPollDecision,
  classifyAutomationStatus,
  FAILED_AUTOMATION_STATUSES,
  RUNNING_AUTOMATION_STATUSES,
  renderAutomationParameters,
  renderTemplate,
  SUCCEEDED_AUTOMATION_STATUSES,
  unknownTemplateVariables,
} from '../../../lambdas/domain/ssm-automation';

const caught = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
};

const incident = { id: 'INC-20261203-004', service: 'checkout', severity: 'P2' } as const;

describe('automation statuses', () => {
  it('names every AutomationExecutionStatus of the SDK, each once', () => {
    expect([...AUTOMATION_EXECUTION_STATUSES].sort()).toEqual(
      Object.values(AutomationExecutionStatus).sort(),
    );
    expect(new Set(AUTOMATION_EXECUTION_STATUSES).size).toBe(AUTOMATION_EXECUTION_STATUSES.length);
  });

  it('reads a status it does not know yet as running, so the timeout still ends the wait', () => {
    expect(classifyAutomationStatus('SomethingNew')).toBe('running');
    expect(
      automationPollDecision({ status: 'SomethingNew', elapsedSeconds: 901, timeoutMinutes: 15 }).kind,
    ).toBe('stop');
  });
});

describe('automationPollDecision', () => {
  it.each(SUCCEEDED_AUTOMATION_STATUSES)('%s ends the loop as ok, whatever the time', (status) => {
    for (const elapsedSeconds of [0, 899, 900, 5000]) {
      expect(automationPollDecision({ status, elapsedSeconds, timeoutMinutes: 15 })).toEqual({
        kind: 'done',
        outcome: 'ok',
        status,
      });
    }
  });

  it.each(FAILED_AUTOMATION_STATUSES)('%s ends the loop as failed, whatever the time', (status) => {
    for (const elapsedSeconds of [0, 899, 900, 5000]) {
      expect(automationPollDecision({ status, elapsedSeconds, timeoutMinutes: 15 })).toEqual({
        kind: 'done',
        outcome: 'failed',
        status,
      });
    }
  });

  it.each(RUNNING_AUTOMATION_STATUSES.filter((s) => s !== 'Cancelling'))(
    '%s waits before the timeout and is stopped at it',
    (status) => {
      expect(automationPollDecision({ status, elapsedSeconds: 0, timeoutMinutes: 15 })).toEqual({
        kind: 'wait',
        status,
        waitSeconds: 15,
      });
      expect(automationPollDecision({ status, elapsedSeconds: 900, timeoutMinutes: 15 })).toEqual({
        kind: 'stop',
        status,
        reason: `still ${status} after the action's timeout of 15 min`,
      });
    },
  );

  it('never waits past the timeout: the last wait is what is left of it', () => {
    expect(
      automationPollDecision({ status: 'InProgress', elapsedSeconds: 893.5, timeoutMinutes: 15 }),
    ).toEqual({
      kind: 'wait',
      status: 'InProgress',
      waitSeconds: 7,
    });
  });

  it('polls less often as a runbook runs, so the longest timeout stays far inside the 25,000-event history', () => {
    const waits: number[] = [];
    let elapsedSeconds = 0;
    for (;;) {
      const decision = automationPollDecision({ status: 'InProgress', elapsedSeconds, timeoutMinutes: 720 });
      if (decision.kind !== 'wait') {
        expect(decision.kind).toBe('stop');
        break;
      }
      waits.push(decision.waitSeconds);
      elapsedSeconds += decision.waitSeconds;
    }
    expect(elapsedSeconds).toBe(720 * 60);
    expect(waits.slice(0, 40).every((w) => w === 15)).toBe(true);
    expect(waits[40]).toBe(60);
    expect(waits.at(-1)).toBe(300);
    // 222 polls before the stop: at about 9 history events each, some 2,000 of the 25,000.
    expect(waits.length).toBe(222);
  });

  it('waits for a Cancelling execution past the timeout instead of stopping it again', () => {
    expect(
      automationPollDecision({ status: 'Cancelling', elapsedSeconds: 1200, timeoutMinutes: 15 }),
    ).toEqual({
      kind: 'wait',
      status: 'Cancelling',
      waitSeconds: 60,
    });
  });

  it('ends for every final status when an execution runs through a poll loop', () => {
    for (const final of [...SUCCEEDED_AUTOMATION_STATUSES, ...FAILED_AUTOMATION_STATUSES]) {
      const reported = ['Pending', 'InProgress', 'Waiting', final];
      let elapsedSeconds = 0;
      let decision = automationPollDecision({ status: 'Pending', elapsedSeconds, timeoutMinutes: 15 });
      for (const status of reported) {
        decision = automationPollDecision({ status, elapsedSeconds, timeoutMinutes: 15 });
        if (decision.kind !== 'wait') break;
        elapsedSeconds += decision.waitSeconds;
      }
      expect(decision).toEqual({
        kind: 'done',
        outcome: (SUCCEEDED_AUTOMATION_STATUSES as readonly string[]).includes(final) ? 'ok' : 'failed',
        status: final,
      });
    }
  });
});

describe('templates', () => {
  it('renders the incident variables, with spaces inside the braces allowed', () => {
    expect(renderTemplate('{{incident.service}}-{{ incident.severity }}-{{incident.id}}', incident)).toBe(
      'checkout-P2-INC-20261203-004',
    );
  });

  it('passes each value through the encoder, never the template text', () => {
    expect(
      renderTemplate(
        '/flags/{{incident.service}}?x=1',
        { ...incident, service: 'a/b c' },
        encodeURIComponent,
      ),
    ).toBe('/flags/a%2Fb%20c?x=1');
  });

  it('lists the unknown variables, and refuses to render one', () => {
    expect(unknownTemplateVariables('{{incident.id}} {{incident.owner}} {{ env.SECRET }}')).toEqual([
      'incident.owner',
      'env.SECRET',
    ]);
    expect(() => renderTemplate('{{incident.owner}}', incident)).toThrow(
      'unknown template variable {{incident.owner}}',
    );
  });
});

describe('renderAutomationParameters', () => {
  it('renders each parameter as the one-value list StartAutomationExecution takes', () => {
    expect(
      renderAutomationParameters(
        'clear-cache',
        { CacheName: '{{incident.service}}-cache', Reason: 'incident {{incident.id}}' },
        { CacheName: '[a-z-]+-cache', Reason: 'incident INC-\\d{8}-\\d{3,}' },
        incident,
      ),
    ).toEqual({ CacheName: ['checkout-cache'], Reason: ['incident INC-20261203-004'] });
  });

  it('matches the whole value, so a pattern cannot be satisfied by a part of it', () => {
    expect(() =>
      renderAutomationParameters(
        'clear-cache',
        { CacheName: '{{incident.service}};rm' },
        { CacheName: '[a-z]+' },
        incident,
      ),
    ).toThrow(ValidationError);
  });

  it('names every parameter whose value fails, with the value and the pattern', () => {
    const run = () =>
      renderAutomationParameters(
        'clear-cache',
        { CacheName: '{{incident.service}}', Severity: '{{incident.severity}}', Extra: 'x' },
        { CacheName: 'payments|search', Severity: 'P1' },
        incident,
      );
    const error = caught(run);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).subject).toBe('action clear-cache');
    expect((error as ValidationError).problems).toEqual([
      {
        path: 'parameters.CacheName',
        message: 'rendered "checkout", which does not match /payments|search/',
      },
      { path: 'parameters.Severity', message: 'rendered "P2", which does not match /P1/' },
      { path: 'parameters.Extra', message: 'has no pattern in parameterPatterns' },
    ]);
  });
});
