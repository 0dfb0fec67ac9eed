/**
 * The incident table's items: their keys, and how a domain value becomes an item and back. The
 * IncidentStore (incident-store.ts) sends the requests; the attribute and index names come from
 * lambdas/contract/table-design.ts, which the CDK construct reads too.
 *
 * | item            | pk                  | sk         | notes |
 * |-----------------|---------------------|------------|-------|
 * | incident        | `INCIDENT#<id>`     | `INCIDENT` | the record and its timeline (one item: a change and its timeline entry are one atomic write) |
 * | dedup pointer   | `DEDUP#<dedupKey>`  | `DEDUP`    | which incident a key points at; while a creation is pending it carries the whole draft |
 * | day counter     | `COUNTER#<yyyymmdd>`| `COUNTER`  | sequence for ids, expires after 7 days (TTL `expiresAt`) |
 * | action log      | `SERVICE#<name>`    | `ACTIONS`  | automatic actions on a service in the last day: cooldown and hourly cap across incidents |
 * | action lock     | `ACTION-LOCK#<name>` | `LOCK`    | one run of a custom action at a time (action-lock.ts): `holder`, `lockedUntil`; removed a day after it ends (TTL `expiresAt`) |
 * | used link       | `LINK#<jti>`        | `LINK`     | a page link that was used once; expires with the link (TTL `expiresAt`) |
 * | silence         | `SERVICE#<name>`    | `SILENCE#<until>#<id>` | a silence on the service; the sort key orders by end, so the active ones are one key range; removed a day after it ends (TTL `expiresAt`) |
 * | on-call override | `SCHEDULE#<name>`  | `OVERRIDE#<to>#<id>` | an add, remove or replace override of the schedule (oncall-overrides.ts); the sort key orders by end, so the ones still in force are one key range; a delete only stamps `deletedAt`/`deletedBy`; removed 7 days after it ends (TTL `expiresAt`) |
 * | override token  | `OVERRIDE-TOKEN#<token>` | `TOKEN` | the idempotency token of an override and the override it stored: a retry with the token gets that one back; expires with it (TTL `expiresAt`) |
 * | status page     | `STATUS-PAGE`       | `STATUS-PAGE` | the public status page (status-page-store.ts): what customers were told and the first posts waiting for a click; versioned (`version`) |
 *
 * GSI `byService` (`openService`, `createdAtId`): sparse, only open incidents carry `openService`.
 * GSI `byStatus` (`status`, `createdAtId`): incidents by status and time; pending creations carry
 * status `CREATING`, which is how a sweeper finds a creation that crashed half-way.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { OncallOverride } from '../contract/config-schema-oncall';
import { INCIDENT_TABLE_INDEXES, INCIDENT_TABLE_KEYS } from '../contract/table-design';
import type { Incident } from '../domain/incident';
import { isOpen } from '../domain/lifecycle';
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

/** A day counter expires after a week (TTL), long after its day has passed. */
export const COUNTER_TTL_SECONDS = 7 * 24 * 3600;
/** A silence item stays this long after it ends, then DynamoDB's TTL removes it. */
export const SILENCE_TTL_GRACE_SECONDS = 24 * 3600;

export const incidentKey = (id: string) => ({ pk: `INCIDENT#${id}`, sk: 'INCIDENT' });
export const pointerKey = (dedupKey: string) => ({ pk: `DEDUP#${dedupKey}`, sk: 'DEDUP' });
export const counterKey = (day: string) => ({ pk: `COUNTER#${day}`, sk: 'COUNTER' });
export const actionsKey = (service: string) => ({ pk: `SERVICE#${service}`, sk: 'ACTIONS' });
export const linkKey = (jti: string) => ({ pk: `LINK#${jti}`, sk: 'LINK' });
export const statusPageKey = { pk: 'STATUS-PAGE', sk: 'STATUS-PAGE' } as const;
export const SILENCE_PREFIX = 'SILENCE#';
export const silenceKey = (s: Pick<Silence, 'service' | 'until' | 'id'>) => ({
  pk: `SERVICE#${s.service}`,
  sk: `${SILENCE_PREFIX}${new Date(s.until).toISOString()}#${s.id}`,
});

/** An override item stays this long after it ends (kept for the record of who covered what), then TTL removes it. */
export const OVERRIDE_TTL_GRACE_SECONDS = 7 * 24 * 3600;
export const OVERRIDE_PREFIX = 'OVERRIDE#';
export const schedulePartition = (schedule: string) => `SCHEDULE#${schedule}`;
export const overrideKey = (o: Pick<OncallOverride, 'schedule' | 'to' | 'id'>) => ({
  pk: schedulePartition(o.schedule),
  sk: `${OVERRIDE_PREFIX}${new Date(o.to).toISOString()}#${o.id}`,
});
export const overrideTokenKey = (token: string) => ({ pk: `OVERRIDE-TOKEN#${token}`, sk: 'TOKEN' });

export const toSilence = (item: Record<string, unknown>): Silence => ({
  service: item.service as string,
  id: item.id as string,
  from: item.from as string,
  until: item.until as string,
  reason: item.reason as string,
  by: item.by as string,
});

export const toIncidentItem = (incident: Incident) => ({
  ...incidentKey(incident.id),
  type: 'incident',
  ...incident,
  createdAtId: `${incident.createdAt}#${incident.id}`,
  ...(isOpen(incident.status) ? { openService: incident.service } : {}),
});

export const fromIncidentItem = (item: Record<string, unknown>): Incident => {
  const { pk: _pk, sk: _sk, type: _type, createdAtId: _c, openService: _o, ...incident } = item;
  return incident as unknown as Incident;
};

export const toPointerItem = (pointer: Omit<DedupPointer, 'version'>, version: number) => ({
  ...pointerKey(pointer.dedupKey),
  type: 'dedup',
  ...pointer,
  version,
  ...(pointer.draft
    ? { status: CREATING, createdAtId: `${pointer.draft.createdAt}#${pointer.draft.id}` }
    : {}),
});

export const fromPointerItem = (item: Record<string, unknown>): DedupPointer => ({
  dedupKey: item.dedupKey as string,
  version: item.version as number,
  ...(item.incidentId ? { incidentId: item.incidentId as string } : {}),
  ...(item.draft ? { draft: item.draft as Incident } : {}),
  ...(item.lastOkAt ? { lastOkAt: item.lastOkAt as string } : {}),
});

/** Incidents newest first; of two created at the same time, the higher id first. */
export const newestFirst = (incidents: Incident[]): Incident[] =>
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
