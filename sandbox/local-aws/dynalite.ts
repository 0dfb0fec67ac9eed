/**
 * A DynamoDB-API server on loopback (dynalite, in-process, in memory) with the incident table
 * created: the store the sandbox and the tests run against. No transactions, no streams: the store
 * needs neither.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import {
  createDocumentClient,
  IncidentStore,
  incidentTableDefinition,
} from '../../lambdas/adapters/incident-store';

export interface LocalDynamo {
  readonly endpoint: string;
  readonly store: IncidentStore;
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  stop(): Promise<void>;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Starts dynalite on a free loopback port and creates the table if it is not there yet.
 * @param path a folder to keep the data in across runs (the CLI's sandbox store); in memory if undefined
 */
export const startLocalDynamo = async (tableName = 'incidents', path?: string): Promise<LocalDynamo> => {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(path ? { path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('dynalite did not bind a TCP port');
  const endpoint = `http://127.0.0.1:${address.port}`;
  const clientConfig = { endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };
  const raw = new DynamoDBClient(clientConfig);
  const exists = await raw.send(new DescribeTableCommand({ TableName: tableName })).then(
    () => true,
    (error: unknown) => {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') return false;
      throw error;
    },
  );
  if (!exists) await raw.send(new CreateTableCommand(incidentTableDefinition(tableName)));
  // dynalite answers DescribeTable while the table is still CREATING; writes fail until it is ACTIVE.
  await waitUntilTableExists(
    { client: raw, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.2 },
    { TableName: tableName },
  );
  raw.destroy();
  const doc = createDocumentClient(clientConfig);
  return {
    endpoint,
    tableName,
    doc,
    store: new IncidentStore(doc, tableName),
    stop: async () => {
      doc.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
