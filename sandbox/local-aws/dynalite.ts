/**
 * A DynamoDB-API server on loopback (dynalite, in memory) with the incident table created: the store
 * the sandbox and the tests run against. No transactions, no streams: the store needs neither.
 * dynalite runs in a worker thread of this process, so parsing, validating and answering requests
 * takes the second core rather than the thread the functions and workflows run on.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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

/** The worker: dynalite on a free loopback port; it posts the port, and closes on 'close'. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const server = require(workerData.dynalite)(workerData.options);
// Node closes an idle keep-alive socket after 5 s; a request racing that close fails with 'socket
// hang up', and the functions' clients keep up to 50 sockets each, so many can go at once. DynamoDB
// keeps connections far longer: idle sockets stay open until stop.
server.keepAliveTimeout = 0;
server.once('error', (error) => parentPort.postMessage({ error: String((error && error.stack) || error) }));
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  parentPort.postMessage(address !== null && typeof address === 'object' ? { port: address.port } : { error: 'dynalite did not bind a TCP port' });
});
parentPort.on('message', (message) => {
  if (message === 'close') server.close(() => parentPort.postMessage({ closed: true }));
});
`;

type WorkerReply = { readonly port?: number; readonly error?: string; readonly closed?: boolean };

const nextReply = (worker: Worker): Promise<WorkerReply> =>
  new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      worker.off('message', onMessage);
      reject(error);
    };
    const onMessage = (reply: WorkerReply) => {
      worker.off('error', onError);
      resolve(reply);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
  });

/** Starts dynalite in a worker thread; resolves with its port and a stop that closes it. */
const startServer = async (
  options: Record<string, unknown>,
): Promise<{ port: number; stop: () => Promise<void> }> => {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { dynalite: createRequire(import.meta.url).resolve('dynalite'), options },
  });
  const started = await nextReply(worker).catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  if (started.port === undefined) {
    await worker.terminate();
    throw new Error(`dynalite did not start: ${started.error ?? 'no port'}`);
  }
  return {
    port: started.port,
    stop: async () => {
      const closed = nextReply(worker);
      worker.postMessage('close');
      await closed;
      await worker.terminate();
    },
  };
};

/**
 * Starts dynalite on a free loopback port and creates the table if it is not there yet.
 * @param path a folder to keep the data in across runs (the CLI's sandbox store); in memory if undefined
 */
export const startLocalDynamo = async (tableName = 'incidents', path?: string): Promise<LocalDynamo> => {
  const server = await startServer({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(path ? { path } : {}),
  });
  const endpoint = `http://127.0.0.1:${server.port}`;
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
      await server.stop();
    },
  };
};
