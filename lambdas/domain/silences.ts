/**
 * Silences and maintenance windows: while one applies to a service, its alarms are recorded on a
 * suppressed incident and nobody is paged. A silence always expires (`until`, at most
 * `silences.maxHours` ahead), so a forgotten one cannot mute a service for good; it ends on its own,
 * no cleanup needed.
 *
 * Times are half-open: a silence or window covers `from <= now < until`. Weekly windows are in UTC.
 *
 * Pure: no SDK, no env, no clock.
 */
import type { MaintenanceWindow } from '../contract/config-schema';
import { type FieldProblem, ValidationError } from './errors';
import type { Suppression } from './incident';
import { WEEKDAYS, type Weekday } from './vocabulary';

export interface Silence {
  readonly service: string;
  readonly id: string;
  readonly from: string;
  readonly until: string;
  readonly reason: string;
  /** Who set it. */
  readonly by: string;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/;

/**
 * Milliseconds in a duration such as `90m`, `2h`, `1d`, `30d` or `1h30m` (units in the order d, h, m).
 * Throws ValidationError naming `field` when the text is not one.
 */
export const parseDuration = (text: string, field: string): number => {
  const match = DURATION.exec(text.trim().toLowerCase());
  if (!match || match.slice(1).every((n) => n === undefined)) {
    throw new ValidationError('duration', [
      {
        path: field,
        message: `"${text}" is not a duration: write a number and a unit (d, h, m), such as 90m, 2h, 1d or 1h30m`,
      },
    ]);
  }
  const [, days, hours, minutes] = match;
  return Number(days ?? 0) * DAY_MS + Number(hours ?? 0) * HOUR_MS + Number(minutes ?? 0) * MINUTE_MS;
};

/** A duration in words, e.g. `1 h 30 min`, `2 d`, `45 min`. */
export const formatDuration = (ms: number): string => {
  if (ms < MINUTE_MS) return `${Math.max(0, Math.round(ms / 1000))} s`;
  const totalMinutes = Math.round(ms / MINUTE_MS);
  const d = Math.floor(totalMinutes / 1440);
  const h = Math.floor((totalMinutes % 1440) / 60);
  const m = totalMinutes % 60;
  const parts = [d ? `${d} d` : '', h ? `${h} h` : '', m ? `${m} min` : ''].filter(Boolean);
  return parts.join(' ');
};

/** The problem with `service`, when it is not one of the configured `services`. */
export const unknownServiceProblem = (
  service: string,
  services: readonly string[],
): FieldProblem | undefined =>
  services.includes(service)
    ? undefined
    : {
        path: 'service',
        message: `unknown service "${service}": the configured services are ${services.join(', ') || '(none)'}`,
      };

export interface NewSilenceInput {
  readonly service: string;
  readonly forMs: number;
  readonly reason: string;
  readonly by: string;
  readonly now: Date;
  readonly id: string;
  /** `silences.maxHours` from the config: the longest silence accepted. */
  readonly maxHours: number;
  /** The configured service names. */
  readonly services: readonly string[];
}

/** Every problem with a silence request; `forMs` undefined skips the duration checks (its text was unreadable). */
export const silenceProblems = (
  input: Omit<NewSilenceInput, 'forMs' | 'now' | 'id'> & { readonly forMs?: number },
): FieldProblem[] => {
  const problems: FieldProblem[] = [];
  const service = unknownServiceProblem(input.service, input.services);
  if (service) problems.push(service);
  const { forMs, maxHours } = input;
  if (forMs !== undefined && (!Number.isFinite(forMs) || forMs <= 0)) {
    problems.push({ path: '--for', message: 'must be longer than zero, such as 2h' });
  } else if (forMs !== undefined && forMs > maxHours * HOUR_MS) {
    problems.push({
      path: '--for',
      message: `silences always expire: at most ${maxHours} h (silences.maxHours), not ${formatDuration(forMs)}`,
    });
  }
  if (input.reason.trim() === '') {
    problems.push({ path: '--reason', message: 'give a reason: every suppressed incident shows it' });
  }
  if (input.by.trim() === '') problems.push({ path: 'by', message: 'name who sets the silence' });
  return problems;
};

/** A silence from `now` for `forMs`. Throws one ValidationError listing every problem. */
export const newSilence = (input: NewSilenceInput): Silence => {
  const problems = silenceProblems(input);
  if (problems.length > 0) throw new ValidationError('silence', problems);
  return {
    service: input.service,
    id: input.id,
    from: input.now.toISOString(),
    until: new Date(input.now.getTime() + input.forMs).toISOString(),
    reason: input.reason.trim(),
    by: input.by.trim(),
  };
};

/** Whether `from <= now < until`. */
const covers = (from: number, until: number, now: number): boolean => from <= now && now < until;

/** The end of the weekly window's occurrence that covers `now`, if any: today's, or yesterday's running past midnight. */
const weeklyEnd = (
  window: { readonly days: readonly Weekday[]; readonly startUtc: string; readonly durationMinutes: number },
  now: Date,
): number | undefined => {
  const [hh, mm] = window.startUtc.split(':').map(Number);
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  for (const dayStart of [midnight, midnight - DAY_MS]) {
    const day = WEEKDAYS[new Date(dayStart).getUTCDay()];
    if (!day || !window.days.includes(day)) continue;
    const start = dayStart + (hh ?? 0) * HOUR_MS + (mm ?? 0) * MINUTE_MS;
    const end = start + window.durationMinutes * MINUTE_MS;
    if (covers(start, end, now.getTime())) return end;
  }
  return undefined;
};

/** The end of the window's period that covers `now`, if any. */
const windowEnd = (window: MaintenanceWindow, now: Date): number | undefined => {
  if ('days' in window) return weeklyEnd(window, now);
  const until = Date.parse(window.until);
  return covers(Date.parse(window.from), until, now.getTime()) ? until : undefined;
};

/**
 * What suppresses alarms on `service` at `now`: an active silence of that service, or a maintenance
 * window for it (or for `*`). When several apply, the one that ends last, so the incident stays
 * suppressed as long as anything covers it.
 */
export const activeSuppression = (
  service: string,
  now: Date,
  silences: readonly Silence[],
  windows: readonly MaintenanceWindow[],
): Suppression | undefined => {
  const candidates: Suppression[] = [];
  for (const s of silences) {
    if (s.service === service && covers(Date.parse(s.from), Date.parse(s.until), now.getTime())) {
      candidates.push({
        until: new Date(s.until).toISOString(),
        reason: s.reason,
        source: 'silence',
        by: s.by,
      });
    }
  }
  for (const w of windows) {
    if (w.service !== '*' && w.service !== service) continue;
    const end = windowEnd(w, now);
    if (end !== undefined) {
      candidates.push({ until: new Date(end).toISOString(), reason: w.reason, source: 'maintenance-window' });
    }
  }
  return candidates.reduce<Suppression | undefined>(
    (last, c) => (last === undefined || Date.parse(c.until) > Date.parse(last.until) ? c : last),
    undefined,
  );
};
