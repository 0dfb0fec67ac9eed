/** Small helpers the diagnosis modules share: reading times, counting, and quoting in summaries. */

export const MINUTE_MS = 60_000;

export const parseTime = (iso: string | undefined): number | undefined => {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
};

export const fmt = (n: number): string => String(Math.round(n * 10) / 10);

export const quote = (s: string, max = 100): string =>
  `"${s.length > max ? `${s.slice(0, max - 3)}...` : s}"`;

export const counted = ([label, n]: readonly [string, number]): string => `${label} x${n}`;

/** Counts of each key, most frequent first (ties in first-seen order). */
export const countBy = <T>(
  items: readonly T[],
  keys: (item: T) => readonly string[],
): Array<[string, number]> => {
  const counts = new Map<string, number>();
  for (const item of items) for (const k of keys(item)) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]);
};

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] ?? hi) + hi) / 2;
};

export const line = (...parts: ReadonlyArray<string | undefined>): string =>
  parts.filter((p): p is string => p !== undefined && p !== '').join('; ');
