import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { type FieldProblem, ValidationError } from './errors';

// Runtime input is checked with zod/mini, the tree-shakable build (a few KB in a bundle where the
// classic API costs ~470 KB). Mini ships no messages of its own: the English locale gives the same
// messages the classic API prints ("Too small: expected string to have >=1 characters").
z.config(en());

/** `['services', 0, 'alarms']` -> `services[0].alarms`: the path a person finds in the JSON. */
export const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    const name = String(key);
    return acc ? `${acc}.${name}` : name;
  }, '');

/** Works for classic and mini schemas alike: both raise the same core error. */
export const problemsFromZod = (error: z.core.$ZodError): FieldProblem[] =>
  error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));

/** Parses with `schema` or throws one ValidationError that names every bad field. */
export const parseOrThrow = <S extends z.core.$ZodType>(
  schema: S,
  input: unknown,
  subject: string,
): z.infer<S> => {
  const result = z.safeParse(schema, input);
  if (!result.success) throw new ValidationError(subject, problemsFromZod(result.error));
  return result.data;
};
