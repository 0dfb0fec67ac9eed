/**
 * Problems found while reading an alarm event: collected per field, with the path a person finds in
 * the JSON, and turned into one ValidationError by `parseAlarmEvent`.
 */
import * as z from 'zod/mini';
import type { FieldProblem } from '../domain/errors';
import { formatPath } from '../domain/validation';

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const join = (prefix: string, path: string): string =>
  prefix && path ? (path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`) : prefix || path;

/** Thrown inside this module only; turned into one ValidationError listing every problem. */
export class Problems extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super('invalid alarm event');
  }
}

export const fail = (path: string, message: string): never => {
  throw new Problems([{ path, message }]);
};

/** Parses with `schema`, naming every bad field under `prefix`. */
export const parseAt = <S extends z.core.$ZodType>(schema: S, input: unknown, prefix: string): z.infer<S> => {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  throw new Problems(
    result.error.issues.map((issue) => ({
      path: join(prefix, formatPath(issue.path)),
      message: issue.message,
    })),
  );
};

export const kindOf = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;

export const parseJson = (text: string, path: string, what: string, expected: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? ` (${error.message})` : '';
    return fail(path, `${what} is not JSON${detail}: expected ${expected}`);
  }
};
