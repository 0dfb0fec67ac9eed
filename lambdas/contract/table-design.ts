/**
 * Names in the incident table that the construct and the runtime adapters must agree on. This module
 * imports nothing, so Lambda code can use it without pulling aws-cdk-lib into a bundle.
 * The table design itself is documented on {@link IncidentStore} in `incident-store.ts`.
 */

/** Key and TTL attribute names of the base table. */
export const INCIDENT_TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLive: 'expiresAt',
} as const;

/** Global secondary indexes: their names and key attributes (both string attributes). */
export const INCIDENT_TABLE_INDEXES = {
  /** Sparse: only open incidents carry `openService`, so it answers "open incidents of a service". */
  byService: { indexName: 'byService', partitionKey: 'openService', sortKey: 'createdAtId' },
  /** Incidents by status and time; pending creations carry status `CREATING` so a sweeper finds them. */
  byStatus: { indexName: 'byStatus', partitionKey: 'status', sortKey: 'createdAtId' },
} as const;

/**
 * The DynamoDB actions the incident store adapter uses: single-item reads, conditional puts and updates,
 * and queries. No DeleteItem, no Scan, no batch or transaction calls, no table administration.
 */
export const INCIDENT_STORE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:Query',
] as const;
