import { describe, expect, it } from 'vitest';
import { InvalidOutput } from '../../../sandbox/sfn-local/task-token-broker';
import { simulatedTime } from '../../support/local-workflow';

const START = '2026-03-01T10:00:00.000Z';

const setup = () => simulatedTime(START);

describe('TaskTokenBroker', () => {
  it('issues unique tokens and resumes the task with the output sent', async () => {
    const { broker } = setup();
    const first = broker.issue('AwaitAck');
    const second = broker.issue('AwaitAck');
    expect(first.token).not.toBe(second.token);
    expect(broker.pending().map((task) => task.token)).toEqual([first.token, second.token]);

    broker.sendTaskSuccess(first.token, { ackedBy: 'alice' });

    await expect(first.promise).resolves.toEqual({ ackedBy: 'alice' });
    expect(broker.pending('AwaitAck').map((task) => task.token)).toEqual([second.token]);
  });

  it('fails the task with the error and cause sent', async () => {
    const { broker } = setup();
    const task = broker.issue('AwaitAck');

    broker.sendTaskFailure(task.token, 'Declined', 'on holiday');

    await expect(task.promise).rejects.toMatchObject({ name: 'Declined', message: 'on holiday' });
  });

  it('answers like AWS for unknown and used tokens', () => {
    const { broker } = setup();
    const task = broker.issue('AwaitAck');
    broker.sendTaskSuccess(task.token, {});

    expect(() => broker.sendTaskSuccess(task.token, {})).toThrow(
      expect.objectContaining({ name: 'TaskDoesNotExist' }),
    );
    expect(() => broker.sendTaskFailure('no-such-token', 'X')).toThrow(
      expect.objectContaining({ name: 'TaskDoesNotExist' }),
    );
    expect(() => broker.sendTaskHeartbeat('')).toThrow(expect.objectContaining({ name: 'InvalidToken' }));
  });

  it('rejects output that is not JSON and keeps the token usable', async () => {
    const { broker } = setup();
    const task = broker.issue('AwaitAck');

    expect(() => broker.sendTaskSuccess(task.token, undefined)).toThrow(InvalidOutput);
    broker.sendTaskSuccess(task.token, 'ok');

    await expect(task.promise).resolves.toBe('ok');
  });

  it('times out at the simulated deadline, after which answers get TaskTimedOut', async () => {
    const { clock, broker } = setup();
    const task = broker.issue('AwaitAck', 1800);
    const outcome = task.promise.then(
      () => 'answered',
      (error: Error) => `${error.name} at ${clock.now().toISOString()}`,
    );

    await clock.advanceTo(new Date('2026-03-01T10:29:59.000Z'));
    expect(broker.pending()).toHaveLength(1);
    await clock.settle();

    await expect(outcome).resolves.toBe('States.Timeout at 2026-03-01T10:30:00.000Z');
    expect(() => broker.sendTaskSuccess(task.token, {})).toThrow(
      expect.objectContaining({ name: 'TaskTimedOut' }),
    );
    expect(broker.pending()).toEqual([]);
  });

  it('fails with States.HeartbeatTimeout unless heartbeats keep coming', async () => {
    const { clock, broker } = setup();
    const task = broker.issue('AwaitAck', 3600, { heartbeatSeconds: 300 });
    const outcome = task.promise.catch((error: Error) => `${error.name} at ${clock.now().toISOString()}`);

    await clock.advanceTo(new Date('2026-03-01T10:04:00.000Z'));
    broker.sendTaskHeartbeat(task.token);
    await clock.settle();

    await expect(outcome).resolves.toBe('States.HeartbeatTimeout at 2026-03-01T10:09:00.000Z');
  });

  it('withdraws a token when its signal aborts', async () => {
    const { broker } = setup();
    const controller = new AbortController();
    const task = broker.issue('AwaitAck', undefined, { signal: controller.signal });

    controller.abort();

    await expect(task.promise).rejects.toMatchObject({ name: 'States.Aborted' });
    expect(() => broker.sendTaskSuccess(task.token, {})).toThrow(
      expect.objectContaining({ name: 'TaskDoesNotExist' }),
    );
  });
});
