/** Where the record is: a deployed stack (its outputs), a table by name, or the sandbox store. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, IncidentStore } from '../lambdas/adapters/incident-store';
import type { Incident } from '../lambdas/domain/incident';
import { type LocalDynamo, startLocalDynamo } from '../sandbox/local-aws/dynalite';
import { type Io, type Parsed, sandboxDb, UsageError } from './args';
import { readStackOutputs, requireOutputs } from './deployed-stack';

export interface Target {
  readonly store: IncidentStore;
  /** The document client under `store`, for the other adapters over the same table (on-call overrides). */
  readonly doc: DynamoDBDocumentClient;
  /** The stack's outputs, when reached with --stack. */
  readonly outputs?: Readonly<Record<string, string>>;
}

/** Runs `run` on the store that --table, --stack or (by default) --db names, and closes it after. */
export const withStore = async (
  parsed: Parsed,
  run: (store: IncidentStore, target: Target) => Promise<number>,
): Promise<number> => {
  const { table, stack, region } = parsed.values;
  if (table && stack) throw new UsageError('give --table NAME or --stack NAME, not both');
  if (table || stack) {
    const outputs = stack ? await readStackOutputs(stack, region) : undefined;
    if (stack && outputs) requireOutputs(stack, outputs, ['IncidentTableName']);
    const doc = createDocumentClient(region ? { region } : {});
    try {
      const store = new IncidentStore(doc, table ?? outputs?.IncidentTableName ?? '');
      return await run(store, { store, doc, ...(outputs ? { outputs } : {}) });
    } finally {
      doc.destroy();
    }
  }
  const local: LocalDynamo = await startLocalDynamo('incidents', sandboxDb(parsed));
  try {
    return await run(local.store, { store: local.store, doc: local.doc });
  } finally {
    await local.stop();
  }
};

/**
 * Runs `run` on incident `id` of the store `parsed` names; without an ID a usage error, and an ID the
 * record does not hold is told to the user with exit code 1.
 */
export const withIncident = (
  command: string,
  id: string | undefined,
  parsed: Parsed,
  io: Io,
  run: (incident: Incident) => Promise<number> | number,
): Promise<number> =>
  withStore(parsed, async (store) => {
    if (!id) throw new UsageError(`${command} needs an incident ID, e.g. INC-20261123-001`);
    const incident = await store.getIncident(id);
    if (incident) return run(incident);
    io.err(`No incident ${id}. incident list shows the recent ones.\n`);
    return 1;
  });
