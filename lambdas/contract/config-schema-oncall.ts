/**
 * The on-call part of the deployment config (issue 13): the people who can be paged, calendars (weekly
 * hours and holidays in a time zone), schedules made of ordered rotation layers, and the fallback paged
 * when nobody is on call. Also the shape of an override, as the override store keeps it. Classic zod,
 * like config-schema-paging.ts: the Lambda bundles only import its types, and the resolver in
 * lambdas/domain/oncall.ts reads the validated output.
 */
import { z } from 'zod';
import { minutesOfDay, WEEKDAYS, type Weekday } from '../domain/oncall-time';
import { distinctList, kebabName, severitySchema } from './config-schema-fields';

export const personNameSchema = kebabName('person name such as alice-ng');
export const calendarNameSchema = kebabName('calendar name such as business-hours');
export const scheduleNameSchema = kebabName('schedule name such as app');
export const layerNameSchema = kebabName('layer name such as primary');

const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

export const timeZoneSchema = z
  .string()
  .refine(isTimeZone, 'must be an IANA time zone such as America/New_York (unknown to Intl)');

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
export const localTimeSchema = z.string().regex(HH_MM, 'must be a local time HH:MM such as 09:00 (24 h)');
export const localDateSchema = z.iso.date('must be a date YYYY-MM-DD such as 2026-12-25');

const RANGE = /^(([01]\d|2[0-3]):[0-5]\d)-(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const openingRange = z
  .string()
  .regex(RANGE, 'must be an opening range HH:MM-HH:MM such as 09:00-17:00 (24:00 may end it)')
  .refine((r) => minutesOfDay(r.slice(0, 5)) < minutesOfDay(r.slice(6)), 'must end after it starts');

/** Opening ranges of one weekday, sorted by start, none overlapping another. */
const dayHours = z.array(openingRange).superRefine((ranges, ctx) => {
  ranges.forEach((range, index) => {
    const previous = ranges[index - 1];
    if (previous !== undefined && minutesOfDay(range.slice(0, 5)) < minutesOfDay(previous.slice(6))) {
      ctx.addIssue({
        code: 'custom',
        path: [index],
        message: `must start at or after the end of ${previous} (ranges sorted, none overlapping)`,
      });
    }
  });
});

export const calendarSchema = z
  .strictObject({
    timeZone: timeZoneSchema,
    /** Opening hours per weekday (`MON: ['09:00-17:00']`); a weekday left out is closed all day. */
    hours: z.strictObject(
      Object.fromEntries(WEEKDAYS.map((d) => [d, dayHours.optional()])) as {
        [D in Weekday]: z.ZodOptional<typeof dayHours>;
      },
    ),
    /** Dates (local to `timeZone`) closed all day. */
    holidays: distinctList(localDateSchema).default([]),
  })
  .superRefine((calendar, ctx) => {
    const days = WEEKDAYS.map((d) => calendar.hours[d] ?? []);
    if (days.every((ranges) => ranges.length === 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['hours'],
        message: 'needs opening hours on at least one weekday',
      });
    } else if (days.every((ranges) => ranges.length === 1 && ranges[0] === '00:00-24:00')) {
      ctx.addIssue({
        code: 'custom',
        path: ['hours'],
        message: 'is open around the clock every day: a layer active at all times needs no calendar',
      });
    }
  });

export const personSchema = z.strictObject({
  name: personNameSchema,
  email: z.email('must be an email address'),
  sms: z
    .string()
    .regex(/^\+[1-9]\d{1,14}$/, 'must be a phone number in E.164 form such as +15555550100')
    .optional(),
  /** The person's ID in the chat tool (a Slack member ID such as U0123456789, a Teams user ID). */
  chatId: z.string().min(1).optional(),
});

export const rotationSchema = z
  .strictObject({
    unit: z.enum(['day', 'week']),
    // At most a year between handoffs, so one wait of the escalation loop stays within its execution.
    every: z.int('must be a whole number of days or weeks').min(1).max(365),
    /**
     * The local wall-clock time of each handoff and, for a weekly rotation, its weekday
     * (@default the weekday of `anchor`).
     */
    handoff: z.strictObject({ weekday: z.enum(WEEKDAYS).optional(), time: localTimeSchema }),
    /**
     * The date (local to the schedule) of a handoff to the first member; for a weekly rotation with a
     * `weekday`, the first such weekday on or after it. It fixes the phase: the rotation runs both ways
     * from it.
     */
    anchor: localDateSchema,
  })
  .superRefine((rotation, ctx) => {
    if (rotation.unit === 'week' && rotation.every > 52) {
      ctx.addIssue({ code: 'custom', path: ['every'], message: 'must be at most 52 weeks' });
    }
    if (rotation.unit === 'day' && rotation.handoff.weekday !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['handoff', 'weekday'],
        message: 'is only for weekly rotations (unit: week)',
      });
    }
  });

export const layerSchema = z
  .strictObject({
    name: layerNameSchema,
    /** People (names in `people`), in rotation order. */
    members: distinctList(personNameSchema).min(1, 'needs at least one member'),
    rotation: rotationSchema,
    /** A calendar during whose hours alone the layer is on call. */
    activeDuring: calendarNameSchema.optional(),
    /** A calendar outside whose hours alone (holidays included) the layer is on call. */
    activeOutside: calendarNameSchema.optional(),
    /** Severities the layer is paged for (@default all). */
    severities: distinctList(severitySchema).min(1).optional(),
  })
  .superRefine((layer, ctx) => {
    if (layer.activeDuring !== undefined && layer.activeOutside !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['activeOutside'],
        message: 'takes either activeDuring or activeOutside a calendar, not both',
      });
    }
  });

export const scheduleSchema = z
  .strictObject({
    timeZone: timeZoneSchema,
    /** Ordered layers: where several are on call at once, the later layer wins. */
    layers: z.array(layerSchema).min(1, 'needs at least one layer'),
  })
  .superRefine((schedule, ctx) => {
    const names = schedule.layers.map((l) => l.name);
    names.forEach((name, index) => {
      if (names.indexOf(name) !== index) {
        ctx.addIssue({ code: 'custom', path: ['layers', index, 'name'], message: `repeats layer ${name}` });
      }
    });
  });

export const oncallConfigSchema = z
  .strictObject({
    people: z.array(personSchema).min(1, 'needs at least one person'),
    calendars: z.record(calendarNameSchema, calendarSchema).default({}),
    schedules: z.record(scheduleNameSchema, scheduleSchema).default({}),
    /**
     * People, or tiers with endpoints of their own, paged at once when a schedule has nobody on call
     * (the timeline records a coverage gap). Names are checked against `people` and `contacts` by the
     * deployment config's cross-field rules (config-oncall.ts).
     */
    fallback: distinctList(kebabName('person or tier name such as devops-lead')).min(
      1,
      'needs at least one person or tier to page when nobody is on call',
    ),
    /**
     * Per severity, a calendar during whose hours alone its pages go: outside them the first page waits
     * for the next opening (a P4 at Sat 03:00 goes at Mon 09:00), and later steps count from then.
     */
    deferral: z.partialRecord(severitySchema, calendarNameSchema).default({}),
  })
  .superRefine((config, ctx) => {
    const people = new Set<string>();
    config.people.forEach((person, index) => {
      if (people.has(person.name)) {
        ctx.addIssue({ code: 'custom', path: ['people', index, 'name'], message: `repeats ${person.name}` });
      }
      people.add(person.name);
    });
    const person = (name: string, path: (string | number)[]) => {
      if (!people.has(name)) ctx.addIssue({ code: 'custom', path, message: `${name} is not in people` });
    };
    for (const [severity, calendar] of Object.entries(config.deferral)) {
      if (calendar !== undefined && !(calendar in config.calendars)) {
        ctx.addIssue({
          code: 'custom',
          path: ['deferral', severity],
          message: `${calendar} is not in calendars`,
        });
      }
    }
    for (const [scheduleName, schedule] of Object.entries(config.schedules)) {
      schedule.layers.forEach((layer, layerIndex) => {
        const at = ['schedules', scheduleName, 'layers', layerIndex];
        layer.members.forEach((name, index) => {
          person(name, [...at, 'members', index]);
        });
        for (const field of ['activeDuring', 'activeOutside'] as const) {
          const calendar = layer[field];
          if (calendar !== undefined && !(calendar in config.calendars)) {
            ctx.addIssue({
              code: 'custom',
              path: [...at, field],
              message: `${calendar} is not in calendars`,
            });
          }
        }
      });
    }
  });

export type OncallConfigInput = z.input<typeof oncallConfigSchema>;
export type OncallConfig = z.output<typeof oncallConfigSchema>;
export type OncallCalendar = z.output<typeof calendarSchema>;
export type OncallSchedule = z.output<typeof scheduleSchema>;
export type OncallLayer = z.output<typeof layerSchema>;
export type OncallPerson = z.output<typeof personSchema>;

export const OVERRIDE_KINDS = ['add', 'remove', 'replace'] as const;

/**
 * One override of a schedule over [from, to). `add` puts `person` on call beside whoever is;
 * `remove` takes `person` off; `replace` puts `person` in the place of `replaces` (@default whoever is
 * scheduled). Where overrides overlap, the one created last wins.
 */
export const oncallOverrideSchema = z
  .strictObject({
    id: z.string().min(1),
    schedule: scheduleNameSchema,
    kind: z.enum(OVERRIDE_KINDS),
    person: personNameSchema,
    replaces: personNameSchema.optional(),
    from: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 instant such as 2026-11-30T14:00:00Z' }),
    to: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 instant such as 2026-11-30T14:00:00Z' }),
    reason: z.string().min(1, 'needs a reason'),
    by: z.string().min(1, 'needs an author'),
    createdAt: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 instant' }),
  })
  .superRefine((override, ctx) => {
    if (Date.parse(override.to) <= Date.parse(override.from)) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    }
    if (override.replaces !== undefined && override.kind !== 'replace') {
      ctx.addIssue({ code: 'custom', path: ['replaces'], message: 'is only for kind: replace' });
    }
  });

export type OncallOverride = z.output<typeof oncallOverrideSchema>;
