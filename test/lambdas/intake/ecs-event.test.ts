import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lambdas/domain/errors';
import { parseEcsEvent } from '../../../lambdas/intake/ecs-event';

const sample = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../events/ecs/${name}`, import.meta.url), 'utf8'));

describe('ECS events from the ECS developer guide', () => {
  it.each([
    ['deployment-failed-circuit-breaker-aws-docs.json', 'deployment-failed', '2020-05-23T11:11:11.000Z'],
    ['deployment-in-progress-rollback-aws-docs.json', 'rollback', '2020-05-23T11:11:11.000Z'],
    ['service-action-task-start-impaired-aws-docs.json', 'task-start-impaired', '2019-11-19T19:55:38.725Z'],
  ])('%s is a %s signal on default/servicetest', (file, kind, at) => {
    expect(parseEcsEvent(sample(file))).toMatchObject({
      kind,
      cluster: 'default',
      service: 'servicetest',
      account: '111122223333',
      region: 'us-west-2',
      at,
    });
  });

  it('keeps the deployment and the reason of a rollback', () => {
    expect(parseEcsEvent(sample('deployment-in-progress-rollback-aws-docs.json'))).toMatchObject({
      eventName: 'SERVICE_DEPLOYMENT_IN_PROGRESS',
      deploymentId: 'ecs-svc/123',
      reason: 'ECS deployment circuit breaker: rolling back to deploymentId deploymentID.',
      eventId: 'ddca6449-b258-46c0-8653-e0e3aEXAMPLE',
    });
  });

  it.each([
    [
      'deployment-in-progress-initial-aws-docs.json',
      'ECS Deployment State Change SERVICE_DEPLOYMENT_IN_PROGRESS',
    ],
    ['deployment-completed-aws-docs.json', 'ECS Deployment State Change SERVICE_DEPLOYMENT_COMPLETED'],
    ['service-action-steady-state-aws-docs.json', 'ECS Service Action SERVICE_STEADY_STATE'],
    [
      'service-action-capacity-provider-steady-state-aws-docs.json',
      'ECS Service Action CAPACITY_PROVIDER_STEADY_STATE',
    ],
    [
      'service-action-placement-failure-ec2-cpu-aws-docs.json',
      'ECS Service Action SERVICE_TASK_PLACEMENT_FAILURE',
    ],
    [
      'service-action-placement-failure-fargate-spot-aws-docs.json',
      'ECS Service Action SERVICE_TASK_PLACEMENT_FAILURE',
    ],
  ])('leaves out %s, with the reason', (file, what) => {
    expect(parseEcsEvent(sample(file))).toEqual({ ignored: `ECS ${what} is not an incident signal` });
  });

  it('refuses an ECS event without its detail, naming the field', () => {
    const event = sample('deployment-failed-circuit-breaker-aws-docs.json');
    delete event.detail.eventName;

    expect(() => parseEcsEvent(event)).toThrow(ValidationError);
    expect(() => parseEcsEvent(event)).toThrow(/detail\.eventName/);
  });

  it('refuses a signal that names no service ARN', () => {
    const event = sample('deployment-failed-circuit-breaker-aws-docs.json');
    event.resources = ['arn:aws:ecs:us-west-2:111122223333:cluster/default'];

    expect(() => parseEcsEvent(event)).toThrow(/resources: names no ECS service ARN/);
  });
});
