/**
 * The incident table over DynamoDB (lib-dynamodb). Primitives only: each method is one request, and
 * the multi-step flows (open or join, repair) live in services/incident-service.ts. The items and
 * their keys are described in incident-table.ts; the IncidentTable construct in
 * lib/constructs/incident-table.ts creates the table.
 *
 * No transactions (dynalite has none, and none are needed): every write is a single conditional
 * PutItem/UpdateItem, guarded by `version` (incidents, pointers) or `attribute_not_exists`.
 *
 * Limit: the timeline lives in the incident item, so one incident holds up to DynamoDB's 400 KB
 * (a few thousand entries); a write past it fails loudly (ValidationException), it is not truncated.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Incident } from '../domain/incident';
import { OPEN_STATUSES, STATUSES, type Status } from '../domain/lifecycle';
import type { Silence } from '../domain/silences';
import { unlessConditionFails } from './dynamo-document';
import {
  actionsKey,
  COUNTER_TTL_SECONDS,
  CREATING,
  counterKey,
  type DedupPointer,
  fromIncidentItem,
  fromPointerItem,
  incidentKey,
  linkKey,
  newestFirst,
  pointerKey,
  type ServiceAction,
  type ServiceActions,
  SILENCE_PREFIX,
  SILENCE_TTL_GRACE_SECONDS,
  silenceKey,
  TABLE_KEYS,
  toIncidentItem,
  toPointerItem,
  toSilence,
} from './incident-table';

export { createDocumentClient, isConditionFailure } from './dynamo-document';
export {
  CREATING,
  type DedupPointer,
  incidentTableDefinition,
  type ServiceAction,
  type ServiceActions,
  TABLE_KEYS,
} from './incident-table';

/** A one-time claim (claimOnce); documented with the other items in incident-table.ts. */
const onceKey = (key: string) => ({ pk: `ONCE#${key}`, sk: 'ONCE' });

export class IncidentStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async getIncident(id: string): Promise<Incident | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: incidentKey(id), ConsistentRead: true }),
    );
    return Item ? fromIncidentItem(Item) : undefined;
  }

  /** Writes a new incident at version 1. False when it already exists (a repair raced a writer). */
  async putNewIncident(incident: Incident): Promise<boolean> {
    return unlessConditionFails(
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toIncidentItem({ ...incident, version: 1 }),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  /**
   * Saves `incident` as version `incident.version + 1`, only if the stored version is still
   * `incident.version`. Returns the saved incident, or undefined when another writer got there first.
   */
  async saveIncident(incident: Incident): Promise<Incident | undefined> {
    const saved = { ...incident, version: incident.version + 1 };
    const written = await unlessConditionFails(
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toIncidentItem(saved),
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': incident.version },
        }),
      ),
    );
    return written ? saved : undefined;
  }

  async getPointer(dedupKey: string): Promise<DedupPointer | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: pointerKey(dedupKey), ConsistentRead: true }),
    );
    return Item ? fromPointerItem(Item) : undefined;
  }

  /**
   * Writes the pointer as version `expectedVersion + 1` (or 1 when `expectedVersion` is undefined,
   * which requires that no pointer exists yet). False when another writer changed it first. A pointer
   * carrying a draft is findable through byStatus = CREATING until `finishCreation` clears it.
   */
  async putPointer(
    pointer: Omit<DedupPointer, 'version'>,
    expectedVersion: number | undefined,
  ): Promise<DedupPointer | undefined> {
    const version = (expectedVersion ?? 0) + 1;
    const written = await unlessConditionFails(
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toPointerItem(pointer, version),
          ...(expectedVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'version = :expected',
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        }),
      ),
    );
    return written ? { ...pointer, version } : undefined;
  }

  /** Takes the next number of the UTC day `day` (YYYYMMDD), starting at 1. */
  async nextSequence(day: string, now: Date): Promise<number> {
    const { Attributes } = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: counterKey(day),
        UpdateExpression: 'ADD #seq :one SET #ttl = if_not_exists(#ttl, :ttl)',
        ExpressionAttributeNames: { '#seq': 'sequence', '#ttl': TABLE_KEYS.ttl },
        ExpressionAttributeValues: {
          ':one': 1,
          ':ttl': Math.floor(now.getTime() / 1000) + COUNTER_TTL_SECONDS,
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Attributes?.sequence as number;
  }

  async getServiceActions(service: string): Promise<ServiceActions> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: actionsKey(service), ConsistentRead: true }),
    );
    return {
      service,
      version: (Item?.version as number) ?? 0,
      actions: (Item?.actions as ServiceAction[]) ?? [],
    };
  }

  /**
   * Writes the service's action log as version `expected.version + 1`, only if nobody wrote it since
   * `expected` was read. False when another writer got there first.
   */
  async putServiceActions(expected: ServiceActions, actions: readonly ServiceAction[]): Promise<boolean> {
    return unlessConditionFails(
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...actionsKey(expected.service),
            type: 'service-actions',
            actions,
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

  /**
   * Marks the link `jti` used, once: a conditional put that only the first caller wins. The item
   * expires with the link (`expiresAtEpoch`, seconds), after which the link is refused as expired anyway.
   * False when the link was used before.
   */
  async useLinkOnce(jti: string, expiresAtEpoch: number): Promise<boolean> {
    return unlessConditionFails(
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...linkKey(jti), type: 'link', [TABLE_KEYS.ttl]: expiresAtEpoch },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  /**
   * Claims `key` for one sender (a handoff note that several incidents' escalation loops notice at
   * once): true for the first claimant, false after. A claim given back (its send failed), or one
   * never marked sent and older than `staleBefore` (its sender died mid-send), can be claimed again:
   * a note sent twice is better than none. Kept until `expiresAtEpoch` (TTL).
   */
  async claimOnce(key: string, now: Date, staleBefore: Date, expiresAtEpoch: number): Promise<boolean> {
    return unlessConditionFails(
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...onceKey(key),
            type: 'once',
            claimedAt: now.toISOString(),
            [TABLE_KEYS.ttl]: expiresAtEpoch,
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR released = :released OR (attribute_not_exists(sentAt) AND claimedAt < :stale)',
          ExpressionAttributeValues: { ':released': true, ':stale': staleBefore.toISOString() },
        }),
      ),
    );
  }

  /** Marks a claim as done: its send went out, so it is never claimed again. */
  async markClaimSent(key: string, now: Date): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: onceKey(key),
        UpdateExpression: 'SET sentAt = :now',
        ExpressionAttributeValues: { ':now': now.toISOString() },
      }),
    );
  }

  /** Gives a claim back after its send failed, so that the retry can claim it again. */
  async releaseClaim(key: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: onceKey(key),
        UpdateExpression: 'SET released = :released',
        ExpressionAttributeValues: { ':released': true },
      }),
    );
  }

  /** Open incidents, newest first; of one service through the sparse byService index, else of every open status. */
  async listOpen(service?: string): Promise<Incident[]> {
    if (service !== undefined) {
      return this.queryAll(TABLE_KEYS.byServiceIndex, TABLE_KEYS.byServicePartition, service);
    }
    const perStatus = await Promise.all(
      OPEN_STATUSES.map((s) => this.queryAll(TABLE_KEYS.byStatusIndex, TABLE_KEYS.byStatusPartition, s)),
    );
    return newestFirst(perStatus.flat());
  }

  /** The `limit` most recently created incidents of any status. */
  async listRecent(limit: number): Promise<Incident[]> {
    const perStatus = await Promise.all(
      STATUSES.map((s) => this.queryAll(TABLE_KEYS.byStatusIndex, TABLE_KEYS.byStatusPartition, s, limit)),
    );
    return newestFirst(perStatus.flat()).slice(0, limit);
  }

  /** Incidents in one status, newest first. */
  async listByStatus(status: Status, limit?: number): Promise<Incident[]> {
    return this.queryAll(TABLE_KEYS.byStatusIndex, TABLE_KEYS.byStatusPartition, status, limit);
  }

  /** Pointers whose creation has not been confirmed finished: what a crash may have left behind. */
  async listPendingCreations(): Promise<DedupPointer[]> {
    const items = await this.queryItems(TABLE_KEYS.byStatusIndex, TABLE_KEYS.byStatusPartition, CREATING);
    return items.map(fromPointerItem);
  }

  /** Stores a silence; it ends by itself at `until` (the queries skip it), and the item a day later. */
  async putSilence(silence: Silence): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...silenceKey(silence),
          type: 'silence',
          ...silence,
          [TABLE_KEYS.ttl]: Math.floor(Date.parse(silence.until) / 1000) + SILENCE_TTL_GRACE_SECONDS,
        },
      }),
    );
  }

  /**
   * The service's silences still running at `now` (until > now), soonest end first. One key range:
   * sort keys above `SILENCE#<now>$` (a silence ending exactly at `now`, `SILENCE#<now>#<id>`, sorts
   * below it, since `#` < `$`) and below `SILENCE$`.
   */
  async listSilences(service: string, now: Date): Promise<Silence[]> {
    const items = await this.queryPages({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :after AND :end',
      ExpressionAttributeValues: {
        ':pk': `SERVICE#${service}`,
        ':after': `${SILENCE_PREFIX}${now.toISOString()}$`,
        ':end': 'SILENCE$',
      },
      ConsistentRead: true,
    });
    return items.map(toSilence);
  }

  /**
   * Ends the service's running silences at `now`: each is replaced by a copy ending at `now` that
   * records who lifted it (kept until its TTL). Returns how many this call ended; a silence that a
   * concurrent call removed first is not counted twice.
   */
  async endSilences(service: string, now: Date, by: string): Promise<number> {
    let ended = 0;
    for (const silence of await this.listSilences(service, now)) {
      const removed = await unlessConditionFails(
        this.doc.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: silenceKey(silence),
            ConditionExpression: 'attribute_exists(pk)',
          }),
        ),
      );
      if (!removed) continue;
      const endedAt = now.toISOString();
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...silenceKey({ ...silence, until: endedAt }),
            type: 'silence',
            ...silence,
            until: endedAt,
            liftedBy: by,
            [TABLE_KEYS.ttl]: Math.floor(now.getTime() / 1000) + SILENCE_TTL_GRACE_SECONDS,
          },
        }),
      );
      ended++;
    }
    return ended;
  }

  /** Incidents of every status created at or after `since`, newest first: what reports and stats read. */
  async listCreatedSince(since: Date): Promise<Incident[]> {
    const perStatus = await Promise.all(
      STATUSES.map((status) =>
        this.queryPages({
          TableName: this.tableName,
          IndexName: TABLE_KEYS.byStatusIndex,
          KeyConditionExpression: '#p = :status AND #t >= :since',
          ExpressionAttributeNames: { '#p': TABLE_KEYS.byStatusPartition, '#t': TABLE_KEYS.timeSortKey },
          ExpressionAttributeValues: { ':status': status, ':since': since.toISOString() },
          ScanIndexForward: false,
        }),
      ),
    );
    return newestFirst(
      perStatus
        .flat()
        .filter((i) => i.type === 'incident')
        .map(fromIncidentItem),
    );
  }

  /** Every item a query matches, page after page; with `limit`, the first `limit` (or a few more). */
  private async queryPages(input: QueryCommandInput, limit?: number): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          ...input,
          ...(limit ? { Limit: limit - items.length } : {}),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start && (limit === undefined || items.length < limit));
    return items;
  }

  private async queryAll(
    index: string,
    partitionAttr: string,
    value: string,
    limit?: number,
  ): Promise<Incident[]> {
    const items = await this.queryItems(index, partitionAttr, value, limit);
    return items.filter((i) => i.type === 'incident').map(fromIncidentItem);
  }

  /** The items whose `partitionAttr` is `value` in the index `index`, newest first. */
  private queryItems(
    index: string,
    partitionAttr: string,
    value: string,
    limit?: number,
  ): Promise<Record<string, unknown>[]> {
    return this.queryPages(
      {
        TableName: this.tableName,
        IndexName: index,
        KeyConditionExpression: '#p = :v',
        ExpressionAttributeNames: { '#p': partitionAttr },
        ExpressionAttributeValues: { ':v': value },
        ScanIndexForward: false,
      },
      limit,
    );
  }
}
