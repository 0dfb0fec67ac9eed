/**
 * Wall-clock arithmetic in IANA time zones for the on-call resolver, on Node's own Intl (no library: a
 * zone's offset at an instant is all it needs, and Intl.DateTimeFormat gives it from the ICU data every
 * Lambda runtime ships). Also the state of a calendar (open or closed, since when and until when).
 *
 * Local dates are whole days since 1970-01-01 (`day`), local times minutes after midnight, instants
 * epoch milliseconds. Pure: no clock, no env.
 */
import type { OncallCalendar } from '../contract/config-schema-oncall';

/** Weekday keys, in the order of `Date.prototype.getUTCDay` (Sunday first). */
// One spelling of the weekdays across the config (maintenance windows use it too).
import { WEEKDAYS, type Weekday } from './vocabulary';

export { WEEKDAYS, type Weekday };

/** Minutes after local midnight of `HH:MM`, or of the `24:00` that may end an opening range. */
export const minutesOfDay = (time: string): number =>
  Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

export const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
const formatter = (zone: string): Intl.DateTimeFormat => {
  let format = formatters.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  return format;
};

/** The local wall clock of an instant, as if it were UTC (whole seconds). */
const wallMs = (zone: string, instant: number): number => {
  const parts: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return Date.UTC(year, month - 1, day, hour, minute, second);
};

/** The zone's offset at an instant, read from Intl (a few microseconds: formatToParts). */
const exactOffsetMs = (zone: string, instant: number): number =>
  wallMs(zone, instant) - (instant - (((instant % 1000) + 1000) % 1000));

const HOUR_MS = 3_600_000;
/** Offsets at whole hours, per zone: the resolver asks many times around the same few instants. */
const hourly = new Map<string, number>();
const MAX_CACHED = 200_000;
const offsetAtHour = (zone: string, hour: number): number => {
  const key = `${zone}|${hour}`;
  let offset = hourly.get(key);
  if (offset === undefined) {
    if (hourly.size >= MAX_CACHED) hourly.clear();
    offset = exactOffsetMs(zone, hour * HOUR_MS);
    hourly.set(key, offset);
  }
  return offset;
};

/**
 * The zone's offset from UTC at an instant, in milliseconds (negative west of Greenwich). Where the
 * offsets at the whole hours either side agree, the offset holds for the whole hour (no zone changes
 * its offset twice within an hour), so it comes from a cache; within an hour that holds a change, it
 * is read exactly.
 */
export const offsetMs = (zone: string, instant: number): number => {
  const hour = Math.floor(instant / HOUR_MS);
  const start = offsetAtHour(zone, hour);
  return start === offsetAtHour(zone, hour + 1) ? start : exactOffsetMs(zone, instant);
};

/** The local date (days since 1970-01-01) and the local wall clock (ms, as if UTC) of an instant. */
export const localAt = (zone: string, instant: number): { day: number; wall: number } => {
  const wall = instant + offsetMs(zone, instant);
  return { day: Math.floor(wall / DAY_MS), wall };
};

/** `exact`: the local time occurs once; `gap`: not at all (spring forward); `overlap`: twice (fall back). */
export type LocalTimeKind = 'exact' | 'gap' | 'overlap';

/**
 * The instant of a local date and time. A time in a gap moves forward by the gap (02:30 on a
 * spring-forward night is 03:30 of the new offset); an ambiguous one takes its first occurrence.
 * Assumes at most one offset change within a day either side, as in every IANA zone since 1970.
 */
export const resolveLocal = (
  zone: string,
  day: number,
  minute: number,
): { instant: number; kind: LocalTimeKind } => {
  const wall = day * DAY_MS + minute * MINUTE_MS;
  const before = offsetMs(zone, wall - DAY_MS);
  const after = offsetMs(zone, wall + DAY_MS);
  if (before === after) return { instant: wall - before, kind: 'exact' };
  const valid = [wall - before, wall - after]
    .filter((t) => offsetMs(zone, t) === wall - t)
    .sort((a, b) => a - b);
  const first = valid[0];
  if (first === undefined) return { instant: wall - before, kind: 'gap' };
  return { instant: first, kind: valid.length > 1 ? 'overlap' : 'exact' };
};

export const dayOfIso = (date: string): number =>
  Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
export const isoOfDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
/** 0 for Sunday, as `Date.prototype.getUTCDay`. */
export const weekdayOf = (day: number): number => (((day + 4) % 7) + 7) % 7;

/** Where an instant lies relative to a calendar: open or closed over [start, end). */
export interface CalendarState {
  readonly open: boolean;
  readonly start: number;
  readonly end: number;
}

const holidaySets = new WeakMap<OncallCalendar, ReadonlySet<string>>();
const holidaysOf = (calendar: OncallCalendar): ReadonlySet<string> => {
  let set = holidaySets.get(calendar);
  if (set === undefined) {
    set = new Set(calendar.holidays);
    holidaySets.set(calendar, set);
  }
  return set;
};

const openingsByDay = new WeakMap<OncallCalendar, Map<number, readonly (readonly [number, number])[]>>();

/** The opening intervals of one local day, as instants, in order (none on a holiday); kept per calendar. */
const openings = (calendar: OncallCalendar, day: number): readonly (readonly [number, number])[] => {
  let days = openingsByDay.get(calendar);
  if (days === undefined) {
    days = new Map();
    openingsByDay.set(calendar, days);
  }
  const known = days.get(day);
  if (known !== undefined) return known;
  const weekday = WEEKDAYS[weekdayOf(day)] ?? 'SUN';
  const computed = holidaysOf(calendar).has(isoOfDay(day))
    ? []
    : (calendar.hours[weekday] ?? [])
        .map((range): [number, number] => [
          resolveLocal(calendar.timeZone, day, minutesOfDay(range.slice(0, 5))).instant,
          resolveLocal(calendar.timeZone, day, minutesOfDay(range.slice(6))).instant,
        ])
        .filter(([start, end]) => start < end);
  if (days.size >= 10_000) days.clear();
  days.set(day, computed);
  return computed;
};

/**
 * How far a scan for the calendar's next change may go: a valid calendar is open on some weekday and
 * closed at some time of the week, so each holiday delays a change by at most a week.
 */
const scanDays = (calendar: OncallCalendar): number => 7 * (calendar.holidays.length + 2);

const neverChanges = (calendar: OncallCalendar): Error =>
  new Error(`calendar in ${calendar.timeZone} never changes state: it was not validated`);

/** The end of the opening that ends at `end`, following openings that start where the last one ends. */
const chainForward = (calendar: OncallCalendar, day: number, end: number): number => {
  let until = end;
  for (let d = day; d <= day + scanDays(calendar); d += 1) {
    const next = [...openings(calendar, d), ...openings(calendar, d + 1)].find(([s]) => s === until);
    if (next === undefined) return until;
    until = next[1];
  }
  throw neverChanges(calendar);
};

const chainBackward = (calendar: OncallCalendar, day: number, start: number): number => {
  let since = start;
  for (let d = day; d >= day - scanDays(calendar); d -= 1) {
    const previous = [...openings(calendar, d - 1), ...openings(calendar, d)].find(([, e]) => e === since);
    if (previous === undefined) return since;
    since = previous[0];
  }
  throw neverChanges(calendar);
};

/** Whether the calendar is open at an instant, and the stretch of that state around it. */
export const calendarState = (calendar: OncallCalendar, instant: number): CalendarState => {
  const { day } = localAt(calendar.timeZone, instant);
  const current = openings(calendar, day).find(([s, e]) => s <= instant && instant < e);
  if (current !== undefined) {
    return {
      open: true,
      start: chainBackward(calendar, day, current[0]),
      end: chainForward(calendar, day, current[1]),
    };
  }
  let start: number | undefined;
  for (let d = day; start === undefined && d >= day - scanDays(calendar); d -= 1) {
    start = openings(calendar, d)
      .map(([, e]) => e)
      .filter((e) => e <= instant)
      .pop();
  }
  let end: number | undefined;
  for (let d = day; end === undefined && d <= day + scanDays(calendar); d += 1) {
    end = openings(calendar, d)
      .map(([s]) => s)
      .find((s) => s > instant);
  }
  if (start === undefined || end === undefined) throw neverChanges(calendar);
  return { open: false, start, end };
};
