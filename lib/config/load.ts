import { readFileSync } from 'node:fs';
import { parseConfig } from '../../lambdas/contract/config';
import type { DeploymentConfig } from '../../lambdas/contract/config-schema';
import { IncidentError, ValidationError } from '../../lambdas/domain/errors';

/** The config file could not be read at all (missing, unreadable). */
export class ConfigFileError extends IncidentError {}

/**
 * Reads and validates the deployment config at `path`.
 * @throws ConfigFileError when the file cannot be read
 * @throws ValidationError naming the file and every problem: bad JSON, bad fields, broken cross-references
 */
export const loadConfig = (path: string): DeploymentConfig => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigFileError(`Cannot read deployment config ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (cause) {
    throw new ValidationError(`Deployment config ${path}`, [
      { path: '', message: `is not valid JSON: ${jsonErrorMessage(text, cause as Error)}` },
    ]);
  }
  return parseConfig(input, path);
};

/** Adds "(line L column C)" to an engine message that only gives a character position. */
const jsonErrorMessage = (text: string, error: Error): string => {
  const position = /at position (\d+)/.exec(error.message)?.[1];
  if (position === undefined || /line \d+ column \d+/.test(error.message)) return error.message;
  const lines = text.slice(0, Number(position)).split('\n');
  return `${error.message} (line ${lines.length} column ${(lines.at(-1)?.length ?? 0) + 1})`;
};
