import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import type { WorkflowCallbacks } from '../../../lambdas/adapters/workflow-callbacks';
import { alarmIndex } from '../../../lambdas/contract/alarm-index';
import { parseConfig } from '../../../lambdas/contract/config';
import { IncidentService } from '../../../lambdas/services/incident-service';
import { type IntakeDeps, intakeEvent } from '../../../lambdas/services/intake';
import { exampleInput } from '../../support/fixtures';
import { useLocalDynamo } from '../../support/local-dynamo';

/** An ECS sample from the developer guide, on the example config's checkout service (cluster prod). */
const ecsSample = (name: string, id = 'ddca6449-b258-46c0-8653-e0e3aEXAMPLE') => {
  const event = JSON.parse(readFileSync(new URL(`../../events/ecs/${name}`, import.meta.url), 'utf8'));
  event.id = id;
  event.resources = ['arn:aws:ecs:us-west-2:111122223333:service/prod/checkout'];
  return event;
};
const FAILED = 'deployment-failed-circuit-breaker-aws-docs.json';
const ROLLBACK = 'deployment-in-progress-rollback-aws-docs.json';

const dynamo = useLocalDynamo({ perTest: true });
const callbacks: WorkflowCallbacks = { succeed: async () => {}, fail: async () => {} };
let deps: IntakeDeps;
const depsWith = (ecsEvents: Record<string, unknown> = {}): IntakeDeps => {
  const config = parseConfig({ ...exampleInput(), ecsEvents }, 'ecs test config');
  return {
    incidents: new IncidentService(
      dynamo.store,
      { dedupFields: config.dedupKey, reopenWindowMinutes: 30, resolveOnOk: true },
      () => new Date('2020-05-23T12:31:20.000Z'),
    ),
    callbacks,
    config,
    alarms: alarmIndex(config),
    openIncidents: (service) => dynamo.store.listOpen(service),
  };
};
beforeEach(() => {
  deps = depsWith();
});

describe('ECS events on a watched service', () => {
  it('open an incident at ecsEvents.severity when none is open, the event on its timeline', async () => {
    const out = await intakeEvent(ecsSample(FAILED), deps);

    expect(out).toMatchObject({ outcome: 'opened', service: 'checkout', severity: 'P2', status: 'DETECTED' });
    const incident = await dynamo.store.getIncident(out.incidentId ?? '');
    expect(incident).toMatchObject({
      title: 'checkout: ECS failed a deployment of the service',
      alarmName: 'ecs:checkout:SERVICE_DEPLOYMENT_FAILED',
    });
    expect(incident?.timeline.filter((e) => e.kind === 'ecs-event').map((e) => e.summary)).toEqual([
      'ECS failed a deployment of checkout (deployment ecs-svc/123) at 11:11 UTC: ECS deployment circuit breaker: task failed to start.',
    ]);
  });

  it('join the open incident, once per event id however often EventBridge delivers it', async () => {
    const opened = await intakeEvent(ecsSample(FAILED, 'event-1'), deps);

    const joined = await intakeEvent(ecsSample(ROLLBACK, 'event-2'), deps);
    const again = await intakeEvent(ecsSample(ROLLBACK, 'event-2'), deps);

    expect(joined).toMatchObject({ outcome: 'updated', incidentId: opened.incidentId });
    expect(again).toMatchObject({ outcome: 'duplicate', incidentId: opened.incidentId });
    const incident = await dynamo.store.getIncident(opened.incidentId ?? '');
    expect(incident?.timeline.filter((e) => e.kind === 'ecs-event').map((e) => e.details?.eventName)).toEqual(
      ['SERVICE_DEPLOYMENT_FAILED', 'SERVICE_DEPLOYMENT_IN_PROGRESS'],
    );
    expect(await dynamo.store.listOpen('checkout')).toHaveLength(1);
  });

  it('are ignored, with the reason, on a service nobody watches or when turned off', async () => {
    const other = ecsSample(FAILED);
    other.resources = ['arn:aws:ecs:us-west-2:111122223333:service/default/servicetest'];

    expect(await intakeEvent(other, deps)).toEqual({
      outcome: 'ignored',
      reason: 'SERVICE_DEPLOYMENT_FAILED on default/servicetest, which is not a watched service',
    });
    expect(await intakeEvent(ecsSample(FAILED), depsWith({ enabled: false }))).toEqual({
      outcome: 'ignored',
      reason: 'SERVICE_DEPLOYMENT_FAILED: ECS events are off (ecsEvents.enabled is false)',
    });
    expect(await dynamo.store.listOpen()).toEqual([]);
  });

  it('reject a malformed ECS event with the field, recording nothing', async () => {
    const bad = ecsSample(FAILED);
    bad.detail = {};

    expect(await intakeEvent(bad, deps)).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringContaining('detail.eventName'),
    });
    expect(await dynamo.store.listOpen()).toEqual([]);
  });
});
