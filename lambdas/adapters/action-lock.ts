/**
 * One run of a custom action at a time (issue 15): a lock item per action in the incident table,
 * taken with a conditional put and given back with a conditional delete, so two incidents (or two
 * workflow attempts) never run the same action at once.
 *
 * Item: pk `ACTION-LOCK#<name>`, sk `LOCK`, with `holder` (the incident id and a run id),
 * `lockedAt`, `lockedUntil` (ISO) and the TTL `expiresAt`. The take succeeds only when no lock exists
 * or the one there is past `lockedUntil` (its holder died without giving it back). `lockedUntil` is
 * compared, not the TTL: DynamoDB deletes expired items up to days late; the TTL only tidies up.
 */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unlessConditionFails } from './dynamo-document';
import { TABLE_KEYS } from './incident-table';

/** Who holds an action's lock, and until when. */
export interface ActionLockHolder {
  readonly holder: string;
  readonly lockedAt: string;
  readonly lockedUntil: string;
}

const lockKey = (action: string) => ({ pk: `ACTION-LOCK#${action}`, sk: 'LOCK' });

/** A day past its end, the lock item is removed by the TTL. */
const TTL_GRACE_SECONDS = 86_400;

export class ActionLocks {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Takes `action`'s lock for `holder` until `until`: false when another run holds it still. */
  async acquire(action: string, holder: string, now: Date, until: Date): Promise<boolean> {
    return unlessConditionFails(
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...lockKey(action),
            type: 'action-lock',
            holder,
            lockedAt: now.toISOString(),
            lockedUntil: until.toISOString(),
            [TABLE_KEYS.ttl]: Math.floor(until.getTime() / 1000) + TTL_GRACE_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR lockedUntil < :now',
          ExpressionAttributeValues: { ':now': now.toISOString() },
        }),
      ),
    );
  }

  /** Gives the lock back, only if `holder` still holds it (a lock taken over is left alone). */
  async release(action: string, holder: string): Promise<boolean> {
    return unlessConditionFails(
      this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: lockKey(action),
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeValues: { ':holder': holder },
        }),
      ),
    );
  }

  /** Who holds the lock now, for the timeline of a run that could not take it. */
  async holder(action: string): Promise<ActionLockHolder | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: lockKey(action), ConsistentRead: true }),
    );
    return Item
      ? {
          holder: String(Item.holder),
          lockedAt: String(Item.lockedAt),
          lockedUntil: String(Item.lockedUntil),
        }
      : undefined;
  }
}
