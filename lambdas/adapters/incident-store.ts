/**
 * The incident table over DynamoDB (lib-dynamodb). Primitives only: each method is one request, and
 * the multi-step flows (open or join, repair) live in services/incident-service.ts.
 *
 * Table design (the construct in lib/constructs/incident-store.ts creates it; names in incident-table-design.ts):
 * | item            | pk                  | sk         | notes |
 * |-----------------|---------------------|------------|-------|
 * | incident        | `INCIDENT#<id>`     | `INCIDENT` | the record and its timeline (one item: a change and its timeline entry are one atomic write) |
 * | dedup pointer   | `DEDUP#<dedupKey>`  | `DEDUP`    | which incident a key points at; while a creation is pending it carries the whole draft |
 * | day counter     | `COUNTER#<yyyymmdd>`| `COUNTER`  | sequence for ids, expires after 7 days (TTL `expiresAt`) |
 * | action log      | `SERVICE#<name>`    | `ACTIONS`  | automatic actions on a service in the last day: cooldown and hourly cap across incidents |
 * | used link       | `LINK#<jti>`        | `LINK`     | a page link that was used once; expires with the link (TTL `expiresAt`) |
 * | silence         | `SERVICE#<name>`    | `SILENCE#<until>#<id>` | a silence on the service; the sort key orders by end, so the active ones are one key range; removed a day after it ends (TTL `expiresAt`) |
 *
 * GSI `byService` (`openService`, `createdAtId`): sparse, only open incidents carry `openService`.
 * GSI `byStatus` (`status`, `createdAtId`): incidents by status and time; pending creations carry
 * status `CREATING`, which is how a sweeper finds a creation that crashed half-way.
 *
 * No transactions (dynalite has none, and none are needed): every write is a single conditional
 * PutItem/UpdateItem, guarded by `version` (incidents, pointers) or `attribute_not_exists`.
 *
 * Limit: the timeline lives in the incident item, so one incident holds up to DynamoDB's 400 KB
 * (a few thousand entries); a write past it fails loudly (ValidationException), it is not truncated.
 */
import {
  ConditionalCheckFailedException,
  type CreateTableCommandInput,
  DynamoDBClient,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { INCIDENT_TABLE_INDEXES, INCIDENT_TABLE_KEYS } from '../contract/table-design';
import type { Incident } from '../domain/incident';
import { isOpen, OPEN_STATUSES, STATUSES, type Status } from '../domain/lifecycle';
import type { Silence } from '../domain/silences';

/** Attribute and index names, from the one place the construct also reads them. */
export const TABLE_KEYS = {
  partitionKey: INCIDENT_TABLE_KEYS.partitionKey,
  sortKey: INCIDENT_TABLE_KEYS.sortKey,
  byServiceIndex: INCIDENT_TABLE_INDEXES.byService.indexName,
  byServicePartition: INCIDENT_TABLE_INDEXES.byService.partitionKey,
  byStatusIndex: INCIDENT_TABLE_INDEXES.byStatus.indexName,
  byStatusPartition: INCIDENT_TABLE_INDEXES.byStatus.partitionKey,
  timeSortKey: INCIDENT_TABLE_INDEXES.byStatus.sortKey,
  ttl: INCIDENT_TABLE_KEYS.timeToLive,
} as const;

export const CREATING = 'CREATING';

/** Where the incidents of one dedup key stand. `draft` is set from claim until the incident item exists. */
export interface DedupPointer {
  readonly dedupKey: string;
  readonly version: number;
  readonly incidentId?: string;
  readonly draft?: Incident;
  /** An OK that arrived with no incident to feed, kept in case its ALARM arrives late. */
  readonly lastOkAt?: string;
}

const incidentKey = (id: string) => ({ pk: `INCIDENT#${id}`, sk: 'INCIDENT' });
const pointerKey = (dedupKey: string) => ({ pk: `DEDUP#${dedupKey}`, sk: 'DEDUP' });
const counterKey = (day: string) => ({ pk: `COUNTER#${day}`, sk: 'COUNTER' });
const actionsKey = (service: string) => ({ pk: `SERVICE#${service}`, sk: 'ACTIONS' });
const linkKey = (jti: string) => ({ pk: `LINK#${jti}`, sk: 'LINK' });
const SILENCE_PREFIX = 'SILENCE#';
const silenceKey = (s: Pick<Silence, 'service' | 'until' | 'id'>) => ({
  pk: `SERVICE#${s.service}`,
  sk: `${SILENCE_PREFIX}${new Date(s.until).toISOString()}#${s.id}`,
});
/** A silence item stays this long after it ends, then DynamoDB's TTL removes it. */
const SILENCE_TTL_GRACE_SECONDS = 24 * 3600;

const toSilence = (item: Record<string, unknown>): Silence => ({
  service: item.service as string,
  id: item.id as string,
  from: item.from as string,
  until: item.until as string,
  reason: item.reason as string,
  by: item.by as string,
});

/** One automatic action on a service, kept for the cooldown and the hourly cap. */
export interface ServiceAction {
  readonly at: string;
  readonly incidentId: string;
  readonly playbook: string;
}

export interface ServiceActions {
  readonly service: string;
  readonly version: number;
  /** Oldest first; entries older than a day are dropped on write. */
  readonly actions: readonly ServiceAction[];
}

const COUNTER_TTL_SECONDS = 7 * 24 * 3600;

export const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string })?.name === 'ConditionalCheckFailedException';

export const createDocumentClient = (config: DynamoDBClientConfig = {}): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });

const toIncidentItem = (incident: Incident) => ({
  ...incidentKey(incident.id),
  type: 'incident',
  ...incident,
  createdAtId: `${incident.createdAt}#${incident.id}`,
  ...(isOpen(incident.status) ? { openService: incident.service } : {}),
});

const fromIncidentItem = (item: Record<string, unknown>): Incident => {
  const { pk: _pk, sk: _sk, type: _type, createdAtId: _c, openService: _o, ...incident } = item;
  return incident as unknown as Incident;
};

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
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toIncidentItem({ ...incident, version: 1 }),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Saves `incident` as version `incident.version + 1`, only if the stored version is still
   * `incident.version`. Returns the saved incident, or undefined when another writer got there first.
   */
  async saveIncident(incident: Incident): Promise<Incident | undefined> {
    const saved = { ...incident, version: incident.version + 1 };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toIncidentItem(saved),
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': incident.version },
        }),
      );
      return saved;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async getPointer(dedupKey: string): Promise<DedupPointer | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: pointerKey(dedupKey), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      dedupKey: Item.dedupKey as string,
      version: Item.version as number,
      ...(Item.incidentId ? { incidentId: Item.incidentId as string } : {}),
      ...(Item.draft ? { draft: Item.draft as Incident } : {}),
      ...(Item.lastOkAt ? { lastOkAt: Item.lastOkAt as string } : {}),
    };
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
    const item = {
      ...pointerKey(pointer.dedupKey),
      type: 'dedup',
      ...pointer,
      version,
      ...(pointer.draft
        ? { status: CREATING, createdAtId: `${pointer.draft.createdAt}#${pointer.draft.id}` }
        : {}),
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ...(expectedVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'version = :expected',
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        }),
      );
      return { ...pointer, version };
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
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
    try {
      await this.doc.send(
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
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Marks the link `jti` used, once: a conditional put that only the first caller wins. The item
   * expires with the link (`expiresAtEpoch`, seconds), after which the link is refused as expired anyway.
   * False when the link was used before.
   */
  async useLinkOnce(jti: string, expiresAtEpoch: number): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...linkKey(jti), type: 'link', [TABLE_KEYS.ttl]: expiresAtEpoch },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
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
    return items.map((Item) => ({
      dedupKey: Item.dedupKey as string,
      version: Item.version as number,
      ...(Item.incidentId ? { incidentId: Item.incidentId as string } : {}),
      ...(Item.draft ? { draft: Item.draft as Incident } : {}),
      ...(Item.lastOkAt ? { lastOkAt: Item.lastOkAt as string } : {}),
    }));
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
      try {
        await this.doc.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: silenceKey(silence),
            ConditionExpression: 'attribute_exists(pk)',
          }),
        );
      } catch (error) {
        if (isConditionFailure(error)) continue;
        throw error;
      }
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

  /** Every item a query matches, page after page. */
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

  private async queryAll(
    index: string,
    partitionAttr: string,
    value: string,
    limit?: number,
  ): Promise<Incident[]> {
    const items = await this.queryItems(index, partitionAttr, value, limit);
    return items.filter((i) => i.type === 'incident').map(fromIncidentItem);
  }

  private async queryItems(
    index: string,
    partitionAttr: string,
    value: string,
    limit?: number,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index,
          KeyConditionExpression: '#p = :v',
          ExpressionAttributeNames: { '#p': partitionAttr },
          ExpressionAttributeValues: { ':v': value },
          ScanIndexForward: false,
          ...(limit ? { Limit: limit - items.length } : {}),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start && (limit === undefined || items.length < limit));
    return items;
  }
}

const newestFirst = (incidents: Incident[]): Incident[] =>
  [...incidents].sort((a, b) =>
    a.createdAt === b.createdAt ? b.id.localeCompare(a.id) : b.createdAt.localeCompare(a.createdAt),
  );

/**
 * The table as a CreateTable request, for a local DynamoDB-API server (the sandbox, the tests).
 * The CDK construct builds the same keys and indexes from TABLE_KEYS.
 */
export const incidentTableDefinition = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' },
    { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' },
    { AttributeName: TABLE_KEYS.byServicePartition, AttributeType: 'S' },
    { AttributeName: TABLE_KEYS.byStatusPartition, AttributeType: 'S' },
    { AttributeName: TABLE_KEYS.timeSortKey, AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
    { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: TABLE_KEYS.byServiceIndex,
      KeySchema: [
        { AttributeName: TABLE_KEYS.byServicePartition, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.timeSortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
    {
      IndexName: TABLE_KEYS.byStatusIndex,
      KeySchema: [
        { AttributeName: TABLE_KEYS.byStatusPartition, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.timeSortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
});
