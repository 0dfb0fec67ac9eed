/** Reading the config as written (before validation), for the cross-field checks: nothing is assumed of its shape. */
export type Raw = Record<string, unknown>;
export const isRecord = (value: unknown): value is Raw =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
export const field = (value: unknown, key: string): unknown => (isRecord(value) ? value[key] : undefined);
export const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
export const asString = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;
