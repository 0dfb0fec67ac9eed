import type { z } from 'zod';
import { type FieldProblem, ValidationError } from './errors';

/** `['services', 0, 'alarms']` -> `services[0].alarms`: the path a person finds in the JSON. */
export const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    const name = String(key);
    return acc ? `${acc}.${name}` : name;
  }, '');

export const problemsFromZod = (error: z.ZodError): FieldProblem[] =>
  error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));

/** Parses with `schema` or throws one ValidationError that names every bad field. */
export const parseOrThrow = <S extends z.ZodType>(schema: S, input: unknown, subject: string): z.infer<S> => {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(subject, problemsFromZod(result.error));
  return result.data;
};
