/**
 * What every `incident` command shares: the flags, the usage error (exit 2), the defaults for the
 * config and the sandbox store, and the checks that turn bad flags into usage errors.
 */
import { mkdirSync } from 'node:fs';
import type { parseArgs } from 'node:util';
import type { DeploymentConfig } from '../lambdas/contract/config-schema';
import { IncidentError, ValidationError } from '../lambdas/domain/errors';
import { parseDuration } from '../lambdas/domain/silences';
import { loadConfig } from '../lib/config/load';

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Ends a command that serves until Ctrl-C (`drill --serve`). @default the first SIGINT */
  readonly until?: AbortSignal;
}

/** Where the sandbox keeps its incidents between commands, so `incident list` shows past drills. */
export const DEFAULT_SANDBOX_DB = '.sandbox/db';
export const DEFAULT_CONFIG = 'config/example.json';

/** The user's to fix: main prints it with the usage and exits 2. */
export class UsageError extends IncidentError {}

export const options = {
  scenario: { type: 'string' },
  json: { type: 'boolean', default: false },
  open: { type: 'boolean', default: false },
  limit: { type: 'string' },
  table: { type: 'string' },
  region: { type: 'string' },
  config: { type: 'string' },
  db: { type: 'string' },
  by: { type: 'string' },
  note: { type: 'string' },
  stack: { type: 'string' },
  service: { type: 'string' },
  severity: { type: 'string' },
  title: { type: 'string' },
  out: { type: 'string' },
  since: { type: 'string' },
  for: { type: 'string' },
  reason: { type: 'string' },
  done: { type: 'boolean', default: false },
  doc: { type: 'string' },
  live: { type: 'boolean', default: false },
  serve: { type: 'boolean', default: false },
  alarm: { type: 'string' },
  confirm: { type: 'string' },
  timeout: { type: 'string' },
  'resolve-after': { type: 'string' },
  history: { type: 'string' },
  alarms: { type: 'string' },
  silences: { type: 'string' },
  tag: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export type Parsed = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>;

/** The sandbox store's directory (--db), created when missing. */
export const sandboxDb = (parsed: Parsed): string => {
  const path = parsed.values.db ?? DEFAULT_SANDBOX_DB;
  mkdirSync(path, { recursive: true });
  return path;
};

/** Bad input that a service reports as a ValidationError is the user's to fix: a usage error, exit 2. */
export const asUsage = async <T>(run: () => Promise<T> | T): Promise<T> => {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
};

/** A duration flag (such as `--for 2h`) in milliseconds, or a usage error naming the flag. */
export const duration = (text: string, flag: string): Promise<number> =>
  asUsage(() => parseDuration(text, flag));

export const config = (parsed: Parsed): DeploymentConfig =>
  loadConfig(parsed.values.config ?? DEFAULT_CONFIG);

/** @throws UsageError naming every flag of `flags` that is missing or blank */
export const missingFlags = (command: string, flags: Record<string, string | undefined>): void => {
  const missing = Object.entries(flags)
    .filter(([, value]) => !value?.trim())
    .map(([flag]) => flag);
  if (missing.length > 0) throw new UsageError(`${command} needs ${missing.join(', ')}`);
};
