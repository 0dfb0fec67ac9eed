/**
 * The public status page's state in the incident table (issue 14): one item, `STATUS-PAGE` /
 * `STATUS-PAGE` (documented with the other items in incident-table.ts), holding what customers were
 * told (the domain's StatusPageState) and the first posts drafted but waiting for a person's click.
 * Every write is conditional on the version read, as the store's other shared items are, so two
 * steps (an announce and a click) never overwrite each other's change.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { emptyStatusPage, type StatusPageState, type StatusUpdate } from '../domain/status-page';
import { unlessConditionFails } from './dynamo-document';
import { statusPageKey } from './incident-table';

/** The status page item as read: `version` 0 when none was ever written. */
export interface StatusPageRecord {
  readonly version: number;
  readonly state: StatusPageState;
  /** First posts drafted at announce, waiting for a person's one click, by incident id. */
  readonly pending: Readonly<Record<string, StatusUpdate>>;
}

/** What the lifecycle needs of the status page item; StatusPageStore over DynamoDB. */
export interface StatusPageRecords {
  /** The item, or an empty page since `now` when there is none yet. */
  get(now: Date): Promise<StatusPageRecord>;
  /** Writes `next` as version `expected.version + 1` unless someone wrote since; false when they did. */
  put(expected: StatusPageRecord, next: Omit<StatusPageRecord, 'version'>): Promise<boolean>;
}

export class StatusPageStore implements StatusPageRecords {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(now: Date): Promise<StatusPageRecord> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: statusPageKey, ConsistentRead: true }),
    );
    if (!Item) return { version: 0, state: emptyStatusPage(now), pending: {} };
    return {
      version: Item.version as number,
      state: Item.state as StatusPageState,
      pending: (Item.pending as Record<string, StatusUpdate> | undefined) ?? {},
    };
  }

  put(expected: StatusPageRecord, next: Omit<StatusPageRecord, 'version'>): Promise<boolean> {
    return unlessConditionFails(
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...statusPageKey,
            type: 'status-page',
            state: next.state,
            pending: next.pending,
            version: expected.version + 1,
          },
          ...(expected.version === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'version = :expected',
                ExpressionAttributeValues: { ':expected': expected.version },
              }),
        }),
      ),
    );
  }
}
