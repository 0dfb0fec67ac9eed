/**
 * On-call overrides (issue 13) in the incident table, through lib-dynamodb: one item per override in
 * its schedule's partition, sorted by end, so the overrides still in force are one key range (as
 * silences are), and an idempotency pointer per token. The keys are documented in incident-table.ts.
 *
 * Only the actions the table grants (INCIDENT_STORE_ACTIONS): GetItem, PutItem, UpdateItem, Query. No
 * transactions: the token pointer is written first (conditional), then the override, and a retry after
 * a crash between the two finishes the second write. A delete is soft: the item keeps who deleted it
 * and when, and the queries the resolver reads leave it out; TTL removes it 7 days after it ends.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { OncallOverride } from '../contract/config-schema-oncall';
import { ValidationError } from '../domain/errors';
import { isConditionFailure, unlessConditionFails } from './dynamo-document';
import {
  OVERRIDE_PREFIX,
  OVERRIDE_TTL_GRACE_SECONDS,
  overrideKey,
  overrideTokenKey,
  schedulePartition,
  TABLE_KEYS,
} from './incident-table';

/** An override as stored: deleted ones carry who deleted them and when. */
export interface StoredOverride extends OncallOverride {
  readonly deletedAt?: string;
  readonly deletedBy?: string;
}

/** What `add` did: stored `override`, or (`created: false`) found it stored before under the same token. */
export interface AddedOverride {
  readonly override: OncallOverride;
  readonly created: boolean;
}

/** The fields a retry must repeat for its token to mean the same override (id and createdAt are new each try). */
const REQUEST_FIELDS = ['schedule', 'kind', 'person', 'replaces', 'reason', 'by'] as const;

const differingFields = (a: OncallOverride, b: OncallOverride): string[] => [
  ...REQUEST_FIELDS.filter((field) => a[field] !== b[field]),
  ...(['from', 'to'] as const).filter((field) => Date.parse(a[field]) !== Date.parse(b[field])),
];

const toOverride = (item: Record<string, unknown>): StoredOverride => ({
  id: item.id as string,
  schedule: item.schedule as string,
  kind: item.kind as OncallOverride['kind'],
  person: item.person as string,
  ...(item.replaces === undefined ? {} : { replaces: item.replaces as string }),
  from: item.from as string,
  to: item.to as string,
  reason: item.reason as string,
  by: item.by as string,
  createdAt: item.createdAt as string,
  ...(item.deletedAt === undefined ? {} : { deletedAt: item.deletedAt as string }),
  ...(item.deletedBy === undefined ? {} : { deletedBy: item.deletedBy as string }),
});

const expiresAt = (override: OncallOverride): number =>
  Math.floor(Date.parse(override.to) / 1000) + OVERRIDE_TTL_GRACE_SECONDS;

/**
 * The overrides of the on-call schedules, over the incident table `tableName` (the same table and
 * document client as IncidentStore). Each method is a few single-item requests or paginated queries.
 */
export class OverrideStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /**
   * Stores `override`. With `token`, at most once: the first call with a token stores the override;
   * a retry with the same token and the same fields returns the one stored then (`created: false`);
   * the same token with other fields throws.
   * @throws ValidationError on `token` when the token was used for an override with other fields
   */
  async add(override: OncallOverride, token?: string): Promise<AddedOverride> {
    if (token === undefined) {
      await this.putOverride(override);
      return { override, created: true };
    }
    const claimed = await unlessConditionFails(
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...overrideTokenKey(token),
            type: 'override-token',
            override,
            [TABLE_KEYS.ttl]: expiresAt(override),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (claimed) {
      await this.putOverride(override);
      return { override, created: true };
    }
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: overrideTokenKey(token), ConsistentRead: true }),
    );
    const stored = toOverride((Item?.override ?? {}) as Record<string, unknown>);
    const differ = differingFields(stored, override);
    if (differ.length > 0) {
      throw new ValidationError('override', [
        {
          path: 'token',
          message: `token "${token}" was used for override ${stored.id}, whose ${differ.join(', ')} ${differ.length === 1 ? 'differs' : 'differ'}: a new override needs a new token`,
        },
      ]);
    }
    // The first try may have stopped after the pointer: put the override unless it is there (maybe deleted).
    await unlessConditionFails(this.putOverride(stored));
    return { override: stored, created: false };
  }

  /**
   * Every override of `schedules` that ends after `after` (one ending exactly at `after` is over),
   * deleted ones left out: what the resolver applies at `after` and later. One paginated Query per
   * schedule over the key range `OVERRIDE#<after>$` .. `OVERRIDE$` (`#` sorts below `$`).
   */
  async overridesInForce(schedules: readonly string[], after: Date): Promise<OncallOverride[]> {
    const perSchedule = await Promise.all(
      schedules.map((schedule) =>
        this.queryPages({
          ...this.endingAfter(schedule, after),
          FilterExpression: 'attribute_not_exists(deletedAt)',
        }),
      ),
    );
    return perSchedule.flat().map(toOverride);
  }

  /**
   * The overrides of `schedule`, deleted ones included (with `deletedAt`, `deletedBy`), soonest end
   * first; with `after`, only those ending after it. For the record: the resolver reads `overridesInForce`.
   */
  async list(schedule: string, after?: Date): Promise<StoredOverride[]> {
    const items = await this.queryPages(
      after === undefined
        ? {
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': schedulePartition(schedule), ':prefix': OVERRIDE_PREFIX },
            ConsistentRead: true,
          }
        : this.endingAfter(schedule, after),
    );
    return items.map(toOverride);
  }

  /**
   * Deletes override `id` of `schedule` softly: stamps `deletedAt` (`now`) and `deletedBy`, so it no
   * longer applies and the record keeps who took it away. Returns the override as stored after the call
   * (an override deleted before keeps its first stamp), or undefined when the schedule has no such override.
   */
  async remove(schedule: string, id: string, by: string, now: Date): Promise<StoredOverride | undefined> {
    const found = (await this.list(schedule)).find((o) => o.id === id);
    if (found === undefined || found.deletedAt !== undefined) return found;
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: overrideKey(found),
          UpdateExpression: 'SET deletedAt = :at, deletedBy = :by',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt)',
          ExpressionAttributeValues: { ':at': now.toISOString(), ':by': by },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes === undefined ? undefined : toOverride(Attributes);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Deleted by a concurrent call (or expired) since the query: answer with what is stored now.
      const { Item } = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: overrideKey(found), ConsistentRead: true }),
      );
      return Item === undefined ? undefined : toOverride(Item);
    }
  }

  private putOverride(override: OncallOverride): Promise<unknown> {
    return this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...overrideKey(override),
          type: 'oncall-override',
          ...override,
          [TABLE_KEYS.ttl]: expiresAt(override),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  private endingAfter(schedule: string, after: Date): QueryCommandInput {
    return {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :after AND :end',
      ExpressionAttributeValues: {
        ':pk': schedulePartition(schedule),
        ':after': `${OVERRIDE_PREFIX}${after.toISOString()}$`,
        ':end': 'OVERRIDE$',
      },
      ConsistentRead: true,
    };
  }

  /** Every item a query matches, page after page (a filtered page may be empty and still not the last). */
  private async queryPages(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
