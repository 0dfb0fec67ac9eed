import { ListTagsForResourceCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { AlarmTags } from '../../../lambdas/adapters/alarm-tags';

const ARN = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-db-cpu';

/** A CloudWatch client that answers ListTagsForResource as AWS does ({ Tags: [{ Key, Value }] }), counting calls. */
const clientAnswering = (answers: Array<object | Error>) => {
  const calls: unknown[] = [];
  return {
    calls,
    send: async (command: unknown) => {
      if (!(command instanceof ListTagsForResourceCommand)) throw new Error('unexpected command');
      calls.push(command.input);
      const answer = answers.shift() ?? new Error('no more answers');
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
};

describe('AlarmTags', () => {
  it("reads an alarm's tags once per TTL, by its ARN", async () => {
    let now = Date.parse('2026-12-03T10:00:00Z');
    const client = clientAnswering([
      {
        Tags: [
          { Key: 'team', Value: 'orders' },
          { Key: 'severity', Value: 'P2' },
        ],
      },
      { Tags: [{ Key: 'team', Value: 'payments' }] },
    ]);
    const tags = new AlarmTags(
      async () => client as never,
      600_000,
      () => new Date(now),
    );

    expect(await tags.lookup(ARN)).toEqual({ ok: true, tags: { team: 'orders', severity: 'P2' } });
    now += 599_999;
    expect(await tags.lookup(ARN)).toEqual({ ok: true, tags: { team: 'orders', severity: 'P2' } });
    now += 1;
    expect(await tags.lookup(ARN)).toEqual({ ok: true, tags: { team: 'payments' } });
    expect(client.calls).toEqual([{ ResourceARN: ARN }, { ResourceARN: ARN }]);
  });

  it('turns a failure into a reason and does not keep it', async () => {
    const denied = Object.assign(
      new Error('User is not authorized to perform: cloudwatch:ListTagsForResource'),
      {
        name: 'AccessDenied',
      },
    );
    const client = clientAnswering([denied, { Tags: [] }]);
    const tags = new AlarmTags(async () => client as never, 600_000);

    expect(await tags.lookup(ARN)).toEqual({
      ok: false,
      reason:
        'ListTagsForResource failed: AccessDenied: User is not authorized to perform: cloudwatch:ListTagsForResource',
    });
    expect(await tags.lookup(ARN)).toEqual({ ok: true, tags: {} });
  });

  it('says so when the event names no alarm ARN', async () => {
    const tags = new AlarmTags(async () => clientAnswering([]) as never, 600_000);

    expect(await tags.lookup(undefined)).toEqual({
      ok: false,
      reason: 'the event names no alarm ARN to read tags from',
    });
  });
});
