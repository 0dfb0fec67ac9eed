/**
 * Who is on call: the one resolver (issue 13) the Lambdas, the sandbox and the CLI share. A schedule's
 * layers rotate their members at wall-clock handoffs in the schedule's time zone; a layer may be active
 * only during, or only outside, a calendar's hours; where several layers are active, the later one wins.
 * Overrides (add, remove, replace) then apply, oldest created first, so the one created last wins
 * where they overlap. A schedule left with nobody names the fallback and flags a coverage gap.
 *
 * Pure and zod-free (it reads the validated config and overrides, and is handed every instant).
 */
import type {
  OncallCalendar,
  OncallConfig,
  OncallLayer,
  OncallOverride,
} from '../contract/config-schema-oncall';
import {
  calendarState,
  DAY_MS,
  dayOfIso,
  isoOfDay,
  localAt,
  minutesOfDay,
  resolveLocal,
  WEEKDAYS,
  weekdayOf,
} from './oncall-time';
import type { Severity } from './severity';

/** One person on call, why, and over which stretch this reason holds. */
export interface OnCallEntry {
  readonly person: string;
  /** "primary of app, week of 2026-11-30", or the override that put the person there. */
  readonly reason: string;
  /** The layer whose place the person holds (absent for an `add` override or a covered gap). */
  readonly layer?: string;
  readonly overrideId?: string;
  readonly start: Date;
  readonly end: Date;
}

/** A layer's state at the instant, whether or not it won: for a tier that names one layer. */
export interface LayerOnCall {
  readonly layer: string;
  /** The member the rotation has on shift, active or not. */
  readonly member: string;
  /** Whether its calendar (and the severity asked about) lets it be on call now. */
  readonly active: boolean;
  readonly reason: string;
  /** The stretch over which the member and `active` stay the same. */
  readonly start: Date;
  readonly end: Date;
}

export interface ScheduleOnCall {
  readonly schedule: string;
  /** Names of the people on call, the winning layer's first. Empty in a coverage gap. */
  readonly people: readonly string[];
  readonly onCall: readonly OnCallEntry[];
  readonly layers: readonly LayerOnCall[];
  readonly coverageGap: boolean;
  /** The config's fallback when `coverageGap`, else empty. */
  readonly fallback: readonly string[];
  /** The stretch around the instant over which this whole answer holds (the next handoff ends it). */
  readonly start: Date;
  readonly end: Date;
}

export interface OnCallOptions {
  /** Skip layers whose `severities` leave this one out (@default every layer counts). */
  readonly severity?: Severity;
  /** Only this layer may be on call (a tier that names one layer); overrides still apply. @default any */
  readonly layer?: string;
}

const periodLabel = (layer: OncallLayer, startDay: number): string => {
  const { unit, every } = layer.rotation;
  const date = isoOfDay(startDay);
  return every === 1 ? `${unit} of ${date}` : `${every} ${unit}s from ${date}`;
};

/** The rotation's shift around an instant: its index, member, and [start, end). */
const rotationAt = (zone: string, layer: OncallLayer, instant: number) => {
  const { rotation } = layer;
  const period = rotation.every * (rotation.unit === 'week' ? 7 : 1);
  let anchor = dayOfIso(rotation.anchor);
  if (rotation.unit === 'week' && rotation.handoff.weekday !== undefined) {
    anchor += (WEEKDAYS.indexOf(rotation.handoff.weekday) - weekdayOf(anchor) + 7) % 7;
  }
  const minute = minutesOfDay(rotation.handoff.time);
  const startOf = (k: number) => resolveLocal(zone, anchor + k * period, minute).instant;
  const guess = (localAt(zone, instant).wall - (anchor * DAY_MS + minute * 60_000)) / (period * DAY_MS);
  let k = Math.floor(guess);
  while (startOf(k) > instant) k -= 1;
  while (startOf(k + 1) <= instant) k += 1;
  const n = layer.members.length;
  return {
    member: layer.members[((k % n) + n) % n] ?? '',
    startDay: anchor + k * period,
    endDay: anchor + (k + 1) * period,
    start: startOf(k),
    end: startOf(k + 1),
  };
};

/** A layer at an instant, with its stretch in epoch ms. */
interface LayerState {
  readonly layer: string;
  readonly member: string;
  readonly active: boolean;
  readonly reason: string;
  readonly start: number;
  readonly end: number;
}

const layerAt = (
  scheduleName: string,
  zone: string,
  layer: OncallLayer,
  calendars: Readonly<Record<string, OncallCalendar>>,
  instant: number,
  options: OnCallOptions,
): LayerState => {
  const shift = rotationAt(zone, layer, instant);
  let { start, end } = shift;
  let active = options.severity === undefined || (layer.severities?.includes(options.severity) ?? true);
  const calendarName = layer.activeDuring ?? layer.activeOutside;
  const calendar = calendarName === undefined ? undefined : calendars[calendarName];
  if (calendar !== undefined) {
    const state = calendarState(calendar, instant);
    active &&= state.open === (layer.activeDuring !== undefined);
    start = Math.max(start, state.start);
    end = Math.min(end, state.end);
  }
  return {
    layer: layer.name,
    member: shift.member,
    active,
    reason: `${layer.name} of ${scheduleName}, ${periodLabel(layer, shift.startDay)}`,
    start,
    end,
  };
};

interface ParsedOverride {
  readonly override: OncallOverride;
  readonly from: number;
  readonly to: number;
  readonly createdAt: number;
}

const parseOverrides = (overrides: readonly OncallOverride[], schedule: string): ParsedOverride[] =>
  overrides
    .filter((o) => o.schedule === schedule)
    .map((override) => ({
      override,
      from: Date.parse(override.from),
      to: Date.parse(override.to),
      createdAt: Date.parse(override.createdAt),
    }))
    .sort((a, b) => a.createdAt - b.createdAt || a.override.id.localeCompare(b.override.id));

const byOverride = (o: OncallOverride): string => `override ${o.id} by ${o.by}: ${o.reason}`;

/** Applies the overrides active at the instant, oldest created first, to the winning layer's place. */
const applyOverrides = (
  scheduleName: string,
  winner: LayerState | undefined,
  active: readonly ParsedOverride[],
): OnCallEntry[] => {
  const scheduled = winner === undefined ? [] : [winner.member];
  const slots: { scheduled: string; entry: OnCallEntry | undefined }[] = scheduled.map((person) => ({
    scheduled: person,
    entry: winner && {
      person,
      reason: winner.reason,
      layer: winner.layer,
      start: new Date(winner.start),
      end: new Date(winner.end),
    },
  }));
  const extras = new Map<string, OnCallEntry>();
  for (const { override: o, from, to } of active) {
    if (o.kind === 'add') {
      extras.set(o.person, {
        person: o.person,
        reason: `added to ${scheduleName} (${byOverride(o)})`,
        overrideId: o.id,
        start: new Date(from),
        end: new Date(to),
      });
    } else if (o.kind === 'remove') {
      for (const slot of slots) if (slot.entry?.person === o.person) slot.entry = undefined;
      extras.delete(o.person);
    } else {
      const targets = slots.filter(
        (s) => o.replaces === undefined || s.scheduled === o.replaces || s.entry?.person === o.replaces,
      );
      for (const slot of targets) {
        slot.entry = {
          person: o.person,
          reason: `replaces ${slot.entry?.person ?? slot.scheduled} as ${winner?.reason} (${byOverride(o)})`,
          ...(winner && { layer: winner.layer }),
          overrideId: o.id,
          start: new Date(Math.max(from, winner?.start ?? from)),
          end: new Date(Math.min(to, winner?.end ?? to)),
        };
      }
      const extra = o.replaces === undefined ? undefined : extras.get(o.replaces);
      if (o.replaces !== undefined && extra !== undefined) {
        extras.delete(o.replaces);
        extras.set(o.person, {
          ...extra,
          person: o.person,
          reason: `replaces ${o.replaces} (${byOverride(o)})`,
        });
      }
      if (o.replaces === undefined && slots.length === 0) {
        const entry = {
          person: o.person,
          reason: `covers ${scheduleName} (${byOverride(o)})`,
          overrideId: o.id,
        };
        extras.set(o.person, { ...entry, start: new Date(from), end: new Date(to) });
      }
    }
  }
  const entries = [...slots.flatMap((s) => (s.entry === undefined ? [] : [s.entry])), ...extras.values()];
  return entries.filter((e, index) => entries.findIndex((other) => other.person === e.person) === index);
};

const scheduleAt = (
  config: OncallConfig,
  scheduleName: string,
  overrides: readonly ParsedOverride[],
  instant: number,
  options: OnCallOptions,
): ScheduleOnCall => {
  const schedule = config.schedules[scheduleName];
  if (schedule === undefined) throw new Error(`no schedule ${scheduleName}`);
  const layers = schedule.layers.map((l) =>
    layerAt(scheduleName, schedule.timeZone, l, config.calendars, instant, options),
  );
  const winner = layers
    .filter((l) => l.active && (options.layer === undefined || l.layer === options.layer))
    .pop();
  const active = overrides.filter((o) => o.from <= instant && instant < o.to);
  const onCall = applyOverrides(scheduleName, winner, active);
  const bounds = overrides.flatMap((o) => [o.from, o.to]);
  const start = Math.max(...layers.map((l) => l.start), ...bounds.filter((b) => b <= instant));
  const end = Math.min(...layers.map((l) => l.end), ...bounds.filter((b) => b > instant));
  const coverageGap = onCall.length === 0;
  return {
    schedule: scheduleName,
    people: onCall.map((e) => e.person),
    onCall,
    layers: layers.map(({ layer, member, active: on, reason, start: s, end: e }) => ({
      layer,
      member,
      active: on,
      reason,
      start: new Date(s),
      end: new Date(e),
    })),
    coverageGap,
    fallback: coverageGap ? [...config.fallback] : [],
    start: new Date(start),
    end: new Date(end),
  };
};

/** Who is on call at an instant, per schedule. The instant of a handoff belongs to the incoming shift. */
export const onCallAt = (
  config: OncallConfig,
  overrides: readonly OncallOverride[],
  instant: Date,
  options: OnCallOptions = {},
): Record<string, ScheduleOnCall> =>
  Object.fromEntries(
    Object.keys(config.schedules).map((name) => [
      name,
      scheduleAt(config, name, parseOverrides(overrides, name), instant.getTime(), options),
    ]),
  );

/** Who is on call in one schedule at an instant (what a tier that names the schedule pages). */
export const onCallIn = (
  config: OncallConfig,
  overrides: readonly OncallOverride[],
  schedule: string,
  instant: Date,
  options: OnCallOptions = {},
): ScheduleOnCall =>
  scheduleAt(config, schedule, parseOverrides(overrides, schedule), instant.getTime(), options);

/** A stretch of one schedule with one answer, as `shifts` lists them. */
export type Shift = Omit<ScheduleOnCall, 'layers'>;

/**
 * The shifts of every schedule over [from, to), handoff by handoff (and at every override boundary),
 * clipped to the range. Neighbours with the same people for the same reasons are merged.
 */
export const shifts = (
  config: OncallConfig,
  overrides: readonly OncallOverride[],
  from: Date,
  to: Date,
  options: OnCallOptions = {},
): Shift[] => {
  const out: Shift[] = [];
  for (const name of Object.keys(config.schedules)) {
    const parsed = parseOverrides(overrides, name);
    let previous: Shift | undefined;
    for (let t = from.getTime(); t < to.getTime(); ) {
      const { layers: _, ...answer } = scheduleAt(config, name, parsed, t, options);
      const shift: Shift = {
        ...answer,
        start: new Date(Math.max(t, answer.start.getTime())),
        end: new Date(Math.min(to.getTime(), answer.end.getTime())),
      };
      const same = (a: Shift, b: Shift) =>
        a.onCall.map((e) => `${e.person}|${e.reason}`).join() ===
        b.onCall.map((e) => `${e.person}|${e.reason}`).join();
      if (previous !== undefined && same(previous, shift)) {
        previous = { ...previous, end: shift.end };
        out[out.length - 1] = previous;
      } else {
        previous = shift;
        out.push(shift);
      }
      t = shift.end.getTime();
    }
  }
  return out;
};

/**
 * When a page deferred to a calendar may go: the instant itself while the calendar is open, else its
 * next opening (a P4 at Sat 03:00 goes at Mon 09:00, or Tue 09:00 when Monday is a holiday).
 */
export const deferUntil = (calendar: OncallCalendar, instant: Date): Date => {
  const state = calendarState(calendar, instant.getTime());
  return state.open ? instant : new Date(state.end);
};

export interface HandoffWarning {
  readonly schedule: string;
  readonly layer: string;
  /** The local date and time of the handoff as configured. */
  readonly local: string;
  readonly kind: 'gap' | 'overlap';
  /** When the handoff happens instead: forward by the gap, or the first of the two occurrences. */
  readonly at: Date;
  readonly message: string;
}

/**
 * Handoffs that fall in a DST gap (they move forward by it) or overlap (they take the first
 * occurrence), over `days` from `from` (@default each layer's anchor, 366 days).
 */
export const handoffWarnings = (
  config: OncallConfig,
  range: { readonly from?: Date; readonly days?: number } = {},
): HandoffWarning[] => {
  const warnings: HandoffWarning[] = [];
  for (const [scheduleName, schedule] of Object.entries(config.schedules)) {
    const zone = schedule.timeZone;
    for (const layer of schedule.layers) {
      const from = range.from?.getTime() ?? resolveLocal(zone, dayOfIso(layer.rotation.anchor), 0).instant;
      const until = from + (range.days ?? 366) * DAY_MS;
      const minute = minutesOfDay(layer.rotation.handoff.time);
      for (let t = from; t < until; ) {
        const shift = rotationAt(zone, layer, t);
        if (shift.end >= until) break;
        const nextDay = shift.endDay;
        const { kind, instant } = resolveLocal(zone, nextDay, minute);
        if (kind !== 'exact') {
          const local = `${isoOfDay(nextDay)} ${layer.rotation.handoff.time}`;
          const what =
            kind === 'gap'
              ? 'does not exist (clocks spring forward): it moves forward by the gap'
              : 'occurs twice (clocks fall back): it takes the first occurrence';
          warnings.push({
            schedule: scheduleName,
            layer: layer.name,
            local,
            kind,
            at: new Date(instant),
            message: `handoff of ${layer.name} of ${scheduleName} at ${local} ${zone} ${what}, ${new Date(instant).toISOString()}`,
          });
        }
        t = shift.end;
      }
    }
  }
  return warnings;
};
