/**
 * Incident ids `INC-YYYYMMDD-NNN` (the numbering of the incident report template) and dedup keys.
 *
 * The date is the UTC day of detection. NNN is the day's sequence number, at least three digits
 * (a thousandth incident in one day reads INC-20261123-1000). Numbers are unique and increasing but
 * not dense: a creation that loses a race for the same dedup key, or crashes after taking a number,
 * leaves a gap (see the store).
 */
import { DEDUP_KEY_PARTS, type DedupKeyPart } from './vocabulary';

export const INCIDENT_ID_PATTERN = /^INC-\d{8}-\d{3,}$/;

export const utcDay = (at: Date): string => at.toISOString().slice(0, 10).replaceAll('-', '');

export const formatIncidentId = (day: string, sequence: number): string => {
  if (!/^\d{8}$/.test(day)) throw new RangeError(`day must be YYYYMMDD, got "${day}"`);
  if (!Number.isInteger(sequence) || sequence < 1)
    throw new RangeError(`sequence must be a positive integer, got ${sequence}`);
  return `INC-${day}-${String(sequence).padStart(3, '0')}`;
};

export const isIncidentId = (value: string): boolean => INCIDENT_ID_PATTERN.test(value);

export const DEDUP_FIELDS = DEDUP_KEY_PARTS;
export type DedupField = DedupKeyPart;

export interface DedupParts {
  readonly service: string;
  readonly alarm: string;
  readonly account?: string;
  readonly region?: string;
}

/**
 * The key under which at most one incident is open: by default service + alarm, so the same alarm
 * firing twice joins one incident while two alarms on one service stay apart. Order of `fields`
 * is the config's; values are URI-encoded so a `|` or `=` in a name cannot forge another key.
 */
export const dedupKey = (parts: DedupParts, fields: readonly DedupField[] = ['service', 'alarm']): string =>
  fields.map((f) => `${f}=${encodeURIComponent(parts[f] ?? '')}`).join('|');
