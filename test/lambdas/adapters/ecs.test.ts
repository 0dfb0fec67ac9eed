import { readFileSync } from 'node:fs';
import {
  ClusterNotFoundException,
  DescribeServicesCommand,
  type DescribeServicesCommandOutput,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  type ListTasksCommandOutput,
  type Service,
  ServiceNotActiveException,
  UpdateServiceCommand,
  type UpdateServiceCommandOutput,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  EcsAdapter,
  EcsRequestError,
  EcsServiceNotFoundError,
  MAX_SNAPSHOT_EVENTS,
  taskDefinitionName,
} from '../../../lambdas/adapters/ecs';

const FIXTURES = new URL('../../fixtures/aws/', import.meta.url);

/** ECS timestamps: epoch seconds on the wire, ISO strings in aws-cli v2 output; the SDK hands out Dates. */
const TIMESTAMPS = new Set([
  'createdAt',
  'updatedAt',
  'startedAt',
  'stoppedAt',
  'stoppingAt',
  'executionStoppedAt',
  'connectivityAt',
  'pullStartedAt',
  'pullStoppedAt',
]);

/** A fixture as the SDK would return it: a fresh copy, timestamps as Dates. */
const load = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'), (key, value) => {
    if (!TIMESTAMPS.has(key)) return value;
    if (typeof value === 'number') return new Date(Math.round(value * 1000));
    if (typeof value === 'string') return new Date(value);
    return value;
  }) as T;

/** The UpdateService samples carry a `service`, the same shape DescribeServices lists. */
const serviceOf = (name: string): Service => load<UpdateServiceCommandOutput>(name).service as Service;
const described = (service: Service): Partial<DescribeServicesCommandOutput> => ({
  services: [service],
  failures: [],
});

const TWO_DEPLOYMENTS = 'ecs-update-service-two-deployments-aws-cli-example.json';
const DESIRED_COUNT = 'ecs-update-service-desired-count-aws-cli-example.json';

const ecs = mockClient(ECSClient);
const adapter = new EcsAdapter(new ECSClient({}));

beforeEach(() => {
  ecs.reset();
});

describe('taskDefinitionName', () => {
  it('turns a task definition ARN into family:revision', () => {
    expect(taskDefinitionName('arn:aws:ecs:us-west-2:123456789012:task-definition/amazon-ecs-sample:1')).toBe(
      'amazon-ecs-sample:1',
    );
  });

  it('keeps a value that is already family:revision', () => {
    expect(taskDefinitionName('checkout:42')).toBe('checkout:42');
  });

  it('yields the family alone for an ARN without a revision', () => {
    expect(taskDefinitionName('arn:aws:ecs:us-east-1:123456789012:task-definition/MyTaskDefinition')).toBe(
      'MyTaskDefinition',
    );
  });
});

describe('EcsAdapter.describeService', () => {
  it('maps every field of the DescribeServices example', async () => {
    ecs.on(DescribeServicesCommand).resolves(load('ecs-describe-services-aws-cli-example.json'));

    const snapshot = await adapter.describeService('default', 'my-http-service');

    expect(snapshot).toEqual({
      cluster: 'default',
      service: 'my-http-service',
      status: 'ACTIVE',
      desired: 10,
      running: 10,
      pending: 0,
      taskDefinition: 'amazon-ecs-sample:1',
      deployments: [
        {
          id: 'ecs-svc/1234567890123456789',
          taskDefinition: 'amazon-ecs-sample:1',
          status: 'PRIMARY',
          createdAt: '2016-06-24T20:56:48.595Z',
          updatedAt: '2015-04-06T13:18:32.703Z',
          runningCount: 10,
          desiredCount: 10,
        },
      ],
      events: [
        { at: '2016-06-24T20:56:52.435Z', message: '(service my-http-service) has reached a steady state.' },
      ],
    });
    expect(ecs.commandCalls(DescribeServicesCommand)[0]?.args[0].input).toEqual({
      cluster: 'default',
      services: ['my-http-service'],
    });
  });

  it('lists deployments newest first with rollout state and failed tasks, whatever order ECS uses', async () => {
    const service = serviceOf(TWO_DEPLOYMENTS);
    service.deployments?.reverse();
    ecs.on(DescribeServicesCommand).resolves(described(service));

    const snapshot = await adapter.describeService('test', 'my-http-service');

    expect(snapshot.cluster).toBe('test');
    expect(snapshot.taskDefinition).toBe('amazon-ecs-sample:2');
    expect(snapshot.deployments).toEqual([
      {
        id: 'ecs-svc/7419115625193919142',
        taskDefinition: 'amazon-ecs-sample:2',
        status: 'PRIMARY',
        rolloutState: 'IN_PROGRESS',
        createdAt: '2025-02-21T19:26:02.734Z',
        updatedAt: '2025-02-21T19:26:02.734Z',
        failedTasks: 0,
        runningCount: 0,
        desiredCount: 0,
      },
      {
        id: 'ecs-svc/1709597507655421668',
        taskDefinition: 'old-amazon-ecs-sample:4',
        status: 'ACTIVE',
        rolloutState: 'COMPLETED',
        createdAt: '2025-01-24T17:13:07.621Z',
        updatedAt: '2025-02-02T22:11:30.838Z',
        failedTasks: 0,
        runningCount: 2,
        desiredCount: 2,
      },
    ]);
  });

  it('keeps the newest events first, at most ten of them', async () => {
    const service = serviceOf(TWO_DEPLOYMENTS);
    const template = service.events?.[0];
    // 12 events, hourly, listed oldest first: the snapshot must turn that around and cut it to 10.
    service.events = Array.from({ length: 12 }, (_, i) => ({
      ...template,
      id: `event-${i}`,
      createdAt: new Date(Date.UTC(2025, 1, 21, i)),
      message: `event ${i}`,
    }));
    ecs.on(DescribeServicesCommand).resolves(described(service));

    const { events } = await adapter.describeService('test', 'my-http-service');

    expect(events).toHaveLength(MAX_SNAPSHOT_EVENTS);
    expect(events[0]).toEqual({ at: '2025-02-21T11:00:00.000Z', message: 'event 11' });
    expect(events.at(-1)).toEqual({ at: '2025-02-21T02:00:00.000Z', message: 'event 2' });
  });

  it('falls back to the service task definition when the PRIMARY deployment omits its own', async () => {
    // The aws-cli sample misspells the deployment's key ("taskkDefinition"), as a malformed reply would.
    ecs.on(DescribeServicesCommand).resolves(described(serviceOf(DESIRED_COUNT)));

    const snapshot = await adapter.describeService('MyCluster', 'my-http-service');

    expect(snapshot.taskDefinition).toBe('MyTaskDefinition');
    expect(snapshot.deployments[0]?.taskDefinition).toBe('MyTaskDefinition');
    expect(snapshot.events.map((e) => e.at)).toEqual([
      '2024-12-30T18:24:07.345Z',
      '2024-12-30T17:32:21.600Z',
      '2024-12-09T00:26:10.367Z',
    ]);
  });

  it('turns a failures entry into an error naming the cluster, the service and the reason', async () => {
    ecs.on(DescribeServicesCommand).resolves(load('ecs-describe-services-missing-adapted.json'));

    const failure = adapter.describeService('default', 'my-http-service');

    await expect(failure).rejects.toBeInstanceOf(EcsServiceNotFoundError);
    await expect(failure).rejects.toThrow('ECS service "my-http-service" in cluster "default": MISSING');
  });

  it('reports a reply with neither services nor failures as a missing service', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [] });

    await expect(adapter.describeService('default', 'checkout')).rejects.toThrow(
      new EcsServiceNotFoundError('ECS service "checkout" in cluster "default": not returned'),
    );
  });

  it('lets an ECS error through with its name', async () => {
    ecs
      .on(DescribeServicesCommand)
      .rejects(new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: {} }));

    await expect(adapter.describeService('nope', 'checkout')).rejects.toMatchObject({
      name: 'ClusterNotFoundException',
    });
  });
});

describe('EcsAdapter.stoppedTasks', () => {
  it('lists the stopped tasks of the service and maps them newest first', async () => {
    const listed = load<ListTasksCommandOutput>('ecs-list-tasks-aws-cli-example.json');
    ecs.on(ListTasksCommand).resolves(listed);
    ecs.on(DescribeTasksCommand).resolves(load('ecs-describe-tasks-stopped-adapted.json'));

    const tasks = await adapter.stoppedTasks('MyCluster', 'fargate-service', 5);

    expect(ecs.commandCalls(ListTasksCommand)[0]?.args[0].input).toEqual({
      cluster: 'MyCluster',
      serviceName: 'fargate-service',
      desiredStatus: 'STOPPED',
      maxResults: 5,
    });
    expect(ecs.commandCalls(DescribeTasksCommand)[0]?.args[0].input).toEqual({
      cluster: 'MyCluster',
      tasks: listed.taskArns,
    });
    expect(tasks).toEqual([
      {
        taskArn: 'arn:aws:ecs:us-west-2:130757420319:task/default/666fdccc2e2d4b6894dd422f4eeee8f8',
        taskDefinition: 'sleep360:3',
        stoppedAt: '2019-07-18T03:44:57.252Z',
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'Taskfailedtostart',
        containers: [],
      },
      {
        taskArn: 'arn:aws:ecs:us-west-2:123456789012:task/MyCluster/1234567890123456789',
        taskDefinition: 'sample-fargate:2',
        stoppedAt: '2019-05-06T09:15:10.379Z',
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        containers: [
          {
            name: 'fargate-app',
            exitCode: 137,
            reason: 'OutOfMemoryError: Container killed due to memory usage',
          },
        ],
      },
    ]);
  });

  it('leaves out what a task has not got (a container still running has no exit code)', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: ['arn:aws:ecs:us-west-2:123456789012:task/MyCluster/1'] });
    ecs.on(DescribeTasksCommand).resolves(load('ecs-describe-tasks-aws-cli-example.json'));

    const [task] = await adapter.stoppedTasks('MyCluster', 'fargate-service');

    expect(task).toEqual({
      taskArn: 'arn:aws:ecs:us-west-2:123456789012:task/MyCluster/1234567890123456789',
      taskDefinition: 'sample-fargate:2',
      containers: [{ name: 'fargate-app' }],
    });
    expect(ecs.commandCalls(ListTasksCommand)[0]?.args[0].input.maxResults).toBe(10);
  });

  it('does not describe anything when no task stopped', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });

    await expect(adapter.stoppedTasks('MyCluster', 'fargate-service')).resolves.toEqual([]);
    expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(0);
  });

  it.each([0, 101, 2.5])('refuses a limit of %s before calling ECS', async (limit) => {
    await expect(adapter.stoppedTasks('MyCluster', 'fargate-service', limit)).rejects.toBeInstanceOf(
      EcsRequestError,
    );
    expect(ecs.calls()).toHaveLength(0);
  });
});

describe('EcsAdapter actions', () => {
  it('rolls back by deploying the given revision and returns the service after the update', async () => {
    ecs.on(UpdateServiceCommand).resolves(load(TWO_DEPLOYMENTS));

    const after = await adapter.rollback('test', 'my-http-service', 'amazon-ecs-sample:2');

    expect(ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input).toEqual({
      cluster: 'test',
      service: 'my-http-service',
      taskDefinition: 'amazon-ecs-sample:2',
    });
    expect(after.taskDefinition).toBe('amazon-ecs-sample:2');
    expect(after.deployments.map((d) => `${d.status} ${d.taskDefinition} ${d.rolloutState}`)).toEqual([
      'PRIMARY amazon-ecs-sample:2 IN_PROGRESS',
      'ACTIVE old-amazon-ecs-sample:4 COMPLETED',
    ]);
  });

  it.each([
    'amazon-ecs-sample',
    'amazon-ecs-sample:0',
    'arn:aws:ecs:us-west-2:123456789012:task-definition/amazon-ecs-sample:2',
    '',
  ])('refuses to roll back to "%s", which is not family:revision', async (target) => {
    await expect(adapter.rollback('test', 'my-http-service', target)).rejects.toBeInstanceOf(EcsRequestError);
    expect(ecs.calls()).toHaveLength(0);
  });

  it('restarts with a forced new deployment and changes nothing else', async () => {
    ecs.on(UpdateServiceCommand).resolves(load(TWO_DEPLOYMENTS));

    await adapter.restart('test', 'my-http-service');

    expect(ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input).toEqual({
      cluster: 'test',
      service: 'my-http-service',
      forceNewDeployment: true,
    });
  });

  it('scales to the desired count and reports the counts ECS returns', async () => {
    ecs.on(UpdateServiceCommand).resolves(load(DESIRED_COUNT));

    const after = await adapter.scale('MyCluster', 'my-http-service', 2);

    expect(ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input).toEqual({
      cluster: 'MyCluster',
      service: 'my-http-service',
      desiredCount: 2,
    });
    expect(after).toMatchObject({ cluster: 'MyCluster', desired: 2, running: 1, pending: 0 });
  });

  it.each([-1, 1.5, Number.NaN])('refuses to scale to %s', async (count) => {
    await expect(adapter.scale('MyCluster', 'my-http-service', count)).rejects.toBeInstanceOf(
      EcsRequestError,
    );
    expect(ecs.calls()).toHaveLength(0);
  });

  it('lets an UpdateService error through with its name', async () => {
    ecs
      .on(UpdateServiceCommand)
      .rejects(new ServiceNotActiveException({ message: 'Service was not ACTIVE.', $metadata: {} }));

    await expect(adapter.restart('test', 'gone')).rejects.toMatchObject({
      name: 'ServiceNotActiveException',
    });
  });

  it('treats an UpdateService reply without a service as an error', async () => {
    ecs.on(UpdateServiceCommand).resolves({});

    await expect(adapter.scale('test', 'checkout', 3)).rejects.toBeInstanceOf(EcsServiceNotFoundError);
  });
});

describe('EcsAdapter.isSteady', () => {
  const steadyWith = async (service: Service) => {
    ecs.on(DescribeServicesCommand).resolves(described(service));
    return adapter.isSteady('test', 'my-http-service');
  };

  it('is steady with one PRIMARY deployment and every desired task running', async () => {
    ecs.on(DescribeServicesCommand).resolves(load('ecs-describe-services-aws-cli-example.json'));

    await expect(adapter.isSteady('default', 'my-http-service')).resolves.toEqual({
      steady: true,
      reason: 'amazon-ecs-sample:1: 10 of 10 tasks running',
    });
  });

  it('is steady when the single rollout COMPLETED and the counts match', async () => {
    const service = serviceOf(DESIRED_COUNT);
    service.runningCount = 2;

    await expect(steadyWith(service)).resolves.toMatchObject({ steady: true });
  });

  it('is not steady while two deployments coexist', async () => {
    const result = await steadyWith(serviceOf(TWO_DEPLOYMENTS));

    expect(result).toEqual({
      steady: false,
      reason:
        '2 deployments: PRIMARY amazon-ecs-sample:2 IN_PROGRESS, ACTIVE old-amazon-ecs-sample:4 COMPLETED',
    });
  });

  it('is not steady while the only rollout is still in progress', async () => {
    const service = serviceOf(TWO_DEPLOYMENTS);
    service.deployments = service.deployments?.filter((d) => d.status === 'PRIMARY');

    await expect(steadyWith(service)).resolves.toEqual({
      steady: false,
      reason: 'rollout of amazon-ecs-sample:2 is IN_PROGRESS',
    });
  });

  it('is not steady when the rollout completed but tasks have since stopped', async () => {
    await expect(steadyWith(serviceOf(DESIRED_COUNT))).resolves.toEqual({
      steady: false,
      reason: '1 of 2 tasks running (MyTaskDefinition)',
    });
  });
});
