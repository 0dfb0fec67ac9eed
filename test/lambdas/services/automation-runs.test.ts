/**
 * ssm-automation custom actions: the start (parameters checked, lock taken and kept), and the poll
 * loop ending correctly for every status GetAutomationExecution can report, stopping at the timeout.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ActionLocks } from '../../../lambdas/adapters/action-lock';
import type { AutomationApi, AutomationStart } from '../../../lambdas/adapters/ssm-automation';
import { parseConfig } from '../../../lambdas/contract/config';
import type { DeploymentConfigInput } from '../../../lambdas/contract/config-schema';
import type { AutomationRun } from '../../../lambdas/contract/steps';
import type { Decision } from '../../../lambdas/domain/evidence';
import { openIncident } from '../../../lambdas/domain/incident';
import {
  FAILED_AUTOMATION_STATUSES,
  RUNNING_AUTOMATION_STATUSES,
  SUCCEEDED_AUTOMATION_STATUSES,
} from '../../../lambdas/domain/ssm-automation';
import type { AutomationDeps } from '../../../lambdas/services/automation';
import { pollAutomation } from '../../../lambdas/services/automation-runs';
import { IncidentService } from '../../../lambdas/services/incident-service';
import { mitigate } from '../../../lambdas/services/mitigation';
import { DRILL_CONFIG } from '../../../sandbox/scenarios';
import { useLocalDynamo } from '../../support/local-dynamo';

const T0 = new Date('2026-11-23T10:00:00.000Z');
const ROLE = 'arn:aws:iam::123456789012:role/cache-runbook';
const CONFIG: DeploymentConfigInput = {
  ...DRILL_CONFIG,
  actions: {
    'clear-cache': {
      type: 'ssm-automation',
      documentName: 'Acme-ClearCache',
      parameters: { CacheName: '{{incident.service}}-cache', IncidentId: '{{incident.id}}' },
      parameterPatterns: { CacheName: '(checkout|payments)-cache', IncidentId: 'INC-\\d{8}-\\d{3}' },
      roleArn: ROLE,
      timeoutMinutes: 10,
    },
  },
};
const DECISION: Decision = { verdict: 'act', playbook: 'custom', action: 'clear-cache', reason: 'ok' };

const dynamo = useLocalDynamo({ perTest: true });
let now: Date;
const minutes = (m: number) => new Date(T0.getTime() + m * 60_000);

class FakeAutomation implements AutomationApi {
  readonly starts: AutomationStart[] = [];
  readonly stops: string[] = [];
  status_ = 'InProgress';
  failureMessage?: string;
  async start(request: AutomationStart) {
    this.starts.push(request);
    return 'exec-0001';
  }
  async status() {
    return { status: this.status_, ...(this.failureMessage ? { failureMessage: this.failureMessage } : {}) };
  }
  async stop(id: string) {
    this.stops.push(id);
  }
}

const depsWith = (automation: AutomationApi, input: DeploymentConfigInput = CONFIG): AutomationDeps => {
  const config = parseConfig(input, 'test config');
  const clock = () => now;
  const unused = () => {
    throw new Error('not used');
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
      http: { call: unused },
      automation,
      secret: unused,
    },
  };
};

const ID = 'INC-20261123-001';
const open = async (id = ID, service = 'checkout') => {
  const incident = openIncident({
    id,
    dedupKey: `${service}#errors#${id}`,
    signal: { alarmName: `${service}-error-rate`, state: 'ALARM', at: T0.toISOString(), service },
    severity: 'P2',
    severityReason: 'configured P2',
    title: `${service} errors`,
    now: T0,
  });
  await dynamo.store.putNewIncident(incident);
};
const timeline = async (id = ID) =>
  ((await dynamo.store.getIncident(id))?.timeline ?? []).map((e) => e.summary).join('\n');
const lockHolder = () => new ActionLocks(dynamo.doc, dynamo.tableName).holder('clear-cache');

/** Starts the runbook at minute 4 and returns the run the workflow carries to the polls. */
const started = async (automation: FakeAutomation): Promise<AutomationRun> => {
  await open();
  now = minutes(4);
  const result = await mitigate(depsWith(automation), ID, DECISION);
  expect(result).toMatchObject({ acted: false, outcome: 'running', waitSeconds: 15 });
  return result.automation as AutomationRun;
};

beforeEach(() => {
  now = T0;
});

describe('starting an ssm-automation action', () => {
  it('starts the runbook with the rendered parameters and its role, and keeps the lock while it runs', async () => {
    const automation = new FakeAutomation();
    const run = await started(automation);

    expect(automation.starts).toEqual([
      {
        documentName: 'Acme-ClearCache',
        parameters: { CacheName: ['checkout-cache'], IncidentId: [ID] },
        roleArn: ROLE,
        idempotencyKey: `${ID} ${minutes(4).toISOString()}`,
      },
    ]);
    expect(run).toEqual({
      action: 'clear-cache',
      executionId: 'exec-0001',
      holder: `${ID} ${minutes(4).toISOString()}`,
      startedAt: minutes(4).toISOString(),
    });
    expect(await lockHolder()).toMatchObject({ holder: run.holder, lockedUntil: minutes(19).toISOString() });
    expect(await timeline()).toContain(
      'started: run the action clear-cache for checkout (SSM Automation runbook Acme-ClearCache:$DEFAULT, at most 10 min)',
    );
    expect(await timeline()).toContain(
      'clear-cache: automation execution exec-0001 started; checking it every 15 s, every minute after 10 min, every 5 min after an hour',
    );
  });

  it('the lock blocks a second incident while the runbook runs', async () => {
    const automation = new FakeAutomation();
    await started(automation);
    await open('INC-20261123-002', 'payments');

    const second = await mitigate(depsWith(automation), 'INC-20261123-002', DECISION);

    expect(second).toMatchObject({ outcome: 'skipped' });
    expect(automation.starts).toHaveLength(1);
    expect(await timeline('INC-20261123-002')).toMatch(
      /clear-cache not run: it is already running for INC-20261123-001/,
    );
  });

  it('a parameter that does not match its pattern is never sent', async () => {
    const automation = new FakeAutomation();
    await open('INC-20261123-002', 'payments');
    const input = {
      ...CONFIG,
      actions: {
        'clear-cache': {
          ...CONFIG.actions?.['clear-cache'],
          parameterPatterns: { CacheName: 'checkout-cache', IncidentId: '.+' },
        },
      },
    } as DeploymentConfigInput;

    const result = await mitigate(depsWith(automation, input), 'INC-20261123-002', DECISION);

    expect(result.outcome).toBe('failed');
    expect(automation.starts).toEqual([]);
    expect(await timeline('INC-20261123-002')).toMatch(
      /clear-cache failed: its request was not sent: parameters.CacheName rendered "payments-cache", which does not match \/checkout-cache\//,
    );
    expect(await lockHolder()).toBeUndefined();
  });
});

describe('the poll loop', () => {
  it.each(RUNNING_AUTOMATION_STATUSES)(
    '%s before the timeout: waits and polls again, lock held',
    async (status) => {
      const automation = new FakeAutomation();
      const run = await started(automation);
      automation.status_ = status;
      now = minutes(6);

      const result = await pollAutomation(depsWith(automation), ID, run);

      expect(result).toMatchObject({ outcome: 'running', waitSeconds: 15, automation: run });
      expect(automation.stops).toEqual([]);
      expect(await lockHolder()).toBeDefined();
    },
  );

  it.each(SUCCEEDED_AUTOMATION_STATUSES)('%s: done, verified from its end, lock released', async (status) => {
    const automation = new FakeAutomation();
    const run = await started(automation);
    automation.status_ = status;
    now = minutes(7);

    const result = await pollAutomation(depsWith(automation), ID, run);

    expect(result).toMatchObject({ acted: true, outcome: 'acted', startedAt: minutes(7).toISOString() });
    expect(await timeline()).toContain(
      `clear-cache done: automation execution exec-0001 ended ${status}; verifying recovery`,
    );
    expect(await lockHolder()).toBeUndefined();
  });

  it.each(FAILED_AUTOMATION_STATUSES)(
    "%s: failed with SSM's message, a person is paged, lock released",
    async (status) => {
      const automation = new FakeAutomation();
      const run = await started(automation);
      automation.status_ = status;
      automation.failureMessage = 'Step fails when it is Executing. Fail message: cache node unreachable';
      now = minutes(7);

      const result = await pollAutomation(depsWith(automation), ID, run);

      expect(result).toMatchObject({
        acted: false,
        outcome: 'failed',
        reason: `clear-cache failed: automation execution exec-0001 ended ${status}: Step fails when it is Executing. Fail message: cache node unreachable`,
      });
      expect(automation.stops).toEqual([]);
      expect(await lockHolder()).toBeUndefined();
    },
  );

  it('still running at the timeout: stopped, failed, lock released', async () => {
    const automation = new FakeAutomation();
    const run = await started(automation);
    now = minutes(14);

    const result = await pollAutomation(depsWith(automation), ID, run);

    expect(automation.stops).toEqual(['exec-0001']);
    expect(result).toMatchObject({
      outcome: 'failed',
      reason:
        "clear-cache failed: automation execution exec-0001 still InProgress after the action's timeout of 10 min; stopped it",
    });
    expect(await lockHolder()).toBeUndefined();
  });

  it('already Cancelling at the timeout: waited for, not stopped twice', async () => {
    const automation = new FakeAutomation();
    const run = await started(automation);
    automation.status_ = 'Cancelling';
    now = minutes(20);

    expect(await pollAutomation(depsWith(automation), ID, run)).toMatchObject({ outcome: 'running' });
    automation.status_ = 'Cancelled';
    expect(await pollAutomation(depsWith(automation), ID, run)).toMatchObject({ outcome: 'failed' });
    expect(automation.stops).toEqual([]);
  });

  it('a runbook that ends between the read and the stop is taken as it ended, not as a failure to stop', async () => {
    const automation = new FakeAutomation();
    const run = await started(automation);
    now = minutes(14);
    automation.stop = async (id: string) => {
      automation.stops.push(id);
      automation.status_ = 'Success';
      throw Object.assign(new Error('The specified update status operation is not valid.'), {
        name: 'InvalidAutomationStatusUpdateException',
      });
    };

    const result = await pollAutomation(depsWith(automation), ID, run);

    expect(automation.stops).toEqual(['exec-0001']);
    expect(result).toMatchObject({ acted: true, outcome: 'acted' });
    expect(await timeline()).toContain(
      'clear-cache done: automation execution exec-0001 ended Success; verifying recovery',
    );
    expect(await lockHolder()).toBeUndefined();
  });

  it('a stop refused while the runbook still runs is a failure that says so', async () => {
    const automation = new FakeAutomation();
    const run = await started(automation);
    now = minutes(14);
    automation.stop = async () => {
      throw new Error('AccessDeniedException: not authorized to perform ssm:StopAutomationExecution');
    };

    expect(await pollAutomation(depsWith(automation), ID, run)).toMatchObject({
      outcome: 'failed',
      reason: expect.stringMatching(
        /still InProgress after the action's timeout of 10 min; could not stop it \(.*AccessDenied/,
      ),
    });
  });
});

describe('a started runbook is never lost', () => {
  it('keeps its lock and hands its execution on when the timeline write after the start fails', async () => {
    await open();
    now = minutes(4);
    const automation = new FakeAutomation();
    const deps = depsWith(automation);
    const update = deps.incidents.update.bind(deps.incidents);
    let failed = 0;
    deps.incidents.update = ((...args: Parameters<typeof update>) => {
      if (automation.starts.length > 0 && failed === 0) {
        failed++;
        return Promise.reject(new Error('ProvisionedThroughputExceededException'));
      }
      return update(...args);
    }) as typeof update;

    const result = await mitigate(deps, ID, DECISION);

    expect(result).toMatchObject({ outcome: 'running', automation: { executionId: 'exec-0001' } });
    expect((await lockHolder())?.holder).toMatch(/^INC-20261123-001 /);
  });
});
