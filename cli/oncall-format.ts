/** Human output of `incident oncall`, `override` and `overrides`: instants in UTC and the schedule's zone. */
import type { StoredOverride } from '../lambdas/adapters/oncall-overrides';
import type { OncallOverride } from '../lambdas/contract/config-schema-oncall';
import type { ScheduleOnCall, Shift } from '../lambdas/domain/oncall';
import { addressName, type PageTarget, type TierResolution } from '../lambdas/domain/paging-targets';
import { humanDuration, utc } from './format';

const localParts = (instant: Date, zone: string): { date: string; time: string } => {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
};

/** `09:00 America/New_York`, with the local date first when it is not the UTC date (`2026-12-04 21:00 America/New_York`). */
export const localTime = (instant: Date, zone: string): string => {
  const local = localParts(instant, zone);
  return `${local.date === instant.toISOString().slice(0, 10) ? '' : `${local.date} `}${local.time} ${zone}`;
};

/** `2026-12-07 14:00 UTC (09:00 America/New_York)`: an instant to the minute in UTC and in `zone`. */
export const utcAndLocal = (instant: Date, zone: string): string =>
  `${utc(instant.toISOString())} (${localTime(instant, zone)})`;

const pad = (text: string, width: number) => text.padEnd(width);

/** Who a schedule has on call, one line per person, or the coverage gap and the fallback it pages. */
export const formatScheduleOnCall = (answer: ScheduleOnCall, zone: string): string[] => {
  const until = `until ${utcAndLocal(answer.end, zone)}`;
  if (answer.coverageGap) {
    return [
      `  ${pad(answer.schedule, 14)}  nobody on call (coverage gap): a page falls back to ${answer.fallback.join(', ')}; ${until}`,
    ];
  }
  return answer.onCall.map(
    (entry) => `  ${pad(answer.schedule, 14)}  ${pad(entry.person, 14)}  ${entry.reason}; ${until}`,
  );
};

/** Who a page to a tier reaches, one line per address, with the stretch over which that holds. */
export const formatTier = (resolution: TierResolution, end: Date, zone: string): string[] => {
  const name = pad(resolution.tier, 14);
  if (resolution.skipped !== undefined) return [`  ${name}  not paged: ${resolution.skipped}`];
  const until = `until ${utcAndLocal(end, zone)}`;
  const own = (t: PageTarget) => t.address.kind === 'tier' && t.address.tier === resolution.tier;
  const line = (t: PageTarget) => `  ${name}  ${pad(addressName(t.address), 14)}  ${t.reason}; ${until}`;
  if (resolution.coverageGap === undefined) return resolution.targets.map(line);
  // In a gap, every target but the tier's own endpoints is the fallback.
  const fallback = resolution.targets.filter((t) => !own(t)).map((t) => addressName(t.address));
  return [
    ...resolution.targets.filter(own).map(line),
    `  ${name}  coverage gap: ${resolution.coverageGap}; pages the fallback ${fallback.join(', ')}; ${until}`,
  ];
};

/** One shift: start and end in UTC and local time, who, and why (or the coverage gap and its fallback). */
export const formatShift = (shift: Shift, zone: string): string => {
  const when = `${utcAndLocal(shift.start, zone)} - ${utcAndLocal(shift.end, zone)}`;
  const who = shift.coverageGap
    ? `nobody on call (coverage gap): the fallback ${shift.fallback.join(', ')} is paged`
    : shift.onCall.map((e) => `${e.person}: ${e.reason}`).join('; ');
  return `  ${pad(shift.schedule, 14)}  ${when}  ${who}`;
};

/** A shift as `incident oncall --from --to --json` prints it. */
export const shiftJson = (shift: Shift) => ({
  schedule: shift.schedule,
  start: shift.start.toISOString(),
  end: shift.end.toISOString(),
  people: shift.people,
  onCall: shift.onCall.map((e) => ({ person: e.person, reason: e.reason })),
  coverageGap: shift.coverageGap,
  fallback: shift.fallback,
});

/** What an override does, in words: `bob-ortiz replaces alice-ng`, `adds carol-diaz`, `removes dan-kim`. */
export const overrideAction = (o: OncallOverride): string => {
  switch (o.kind) {
    case 'add':
      return `adds ${o.person}`;
    case 'remove':
      return `removes ${o.person}`;
    case 'replace':
      return `${o.person} replaces ${o.replaces ?? 'whoever is scheduled'}`;
  }
};

/** One override: schedule, id, what, when, who set it and why, and whether it is in force, to come or deleted. */
export const formatOverride = (o: StoredOverride, zone: string, now: Date): string => {
  const from = new Date(o.from);
  const state =
    o.deletedAt !== undefined
      ? `deleted by ${o.deletedBy ?? 'unknown'} ${utc(o.deletedAt)}`
      : from.getTime() <= now.getTime()
        ? 'in force'
        : `starts in ${humanDuration(from.getTime() - now.getTime())}`;
  return [
    `${pad(o.schedule, 14)}  ${o.id}  ${overrideAction(o)}  [${state}]`,
    `    ${utcAndLocal(from, zone)} - ${utcAndLocal(new Date(o.to), zone)}`,
    `    by ${o.by}, ${utc(o.createdAt)}: ${o.reason}`,
  ].join('\n');
};
