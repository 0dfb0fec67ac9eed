/**
 * `incident oncall`: who is on call, per tier and per schedule, at an instant (or the shifts over a
 * range); `incident override` adds or deletes an override and `incident overrides` lists them. The
 * overrides live in the incident table: the sandbox store, or a deployed one with --table or --stack.
 * Every answer comes from the one resolver (lambdas/domain/oncall.ts) the Lambdas use.
 */
import { randomUUID } from 'node:crypto';
import type { parseArgs } from 'node:util';
import { OverrideStore } from '../../lambdas/adapters/oncall-overrides';
import type { DeploymentConfig } from '../../lambdas/contract/config-schema';
import {
  type OncallConfig,
  type OncallOverride,
  oncallOverrideSchema,
} from '../../lambdas/contract/config-schema-oncall';
import { type FieldProblem, ValidationError } from '../../lambdas/domain/errors';
import { handoffWarnings, onCallIn, shifts } from '../../lambdas/domain/oncall';
import { addressName, resolveTier } from '../../lambdas/domain/paging-targets';
import { SEVERITIES, type Severity } from '../../lambdas/domain/severity';
import { problemsFromZod } from '../../lambdas/domain/validation';
import {
  addOverride,
  deleteOverride,
  listOverrides,
  type OverrideDeps,
  overrideNameProblems,
} from '../../lambdas/services/oncall-overrides';
import { config, type Io, missingFlags, type options, UsageError } from '../args';
import { utc } from '../format';
import {
  formatOverride,
  formatScheduleOnCall,
  formatShift,
  formatTier,
  localTime,
  overrideAction,
  shiftJson,
  utcAndLocal,
} from '../oncall-format';
import { withStore } from '../record';

/** The flags of the on-call commands, beside the shared ones of args.ts. */
export const ONCALL_OPTIONS = {
  at: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  schedule: { type: 'string' },
  add: { type: 'string' },
  remove: { type: 'string' },
  replace: { type: 'string' },
  replaces: { type: 'string' },
  token: { type: 'string' },
  delete: { type: 'string' },
} as const;

/** The parsed arguments with the on-call flags too. */
export type OncallParsed = ReturnType<
  typeof parseArgs<{ options: typeof options & typeof ONCALL_OPTIONS; allowPositionals: true }>
>;

/** The longest range `incident oncall --from --to` lists. */
const MAX_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/** An ISO 8601 instant with its zone, or a usage error naming the flag. */
const instantFlag = (text: string, flag: string): Date => {
  const instant = new Date(text);
  if (!ISO_INSTANT.test(text) || Number.isNaN(instant.getTime())) {
    throw new UsageError(
      `${flag}: "${text}" is not an ISO 8601 instant with its zone, such as 2026-12-05T08:00:00Z`,
    );
  }
  return instant;
};

const oncallOf = (cfg: DeploymentConfig): OncallConfig => {
  if (cfg.oncall === undefined) {
    throw new UsageError(
      'the config has no oncall section (people and schedules): tiers page fixed endpoints',
    );
  }
  return cfg.oncall;
};

/** The schedules `--schedule` (or a positional SCHEDULE) picks: that one, or every one in the config. */
const pickSchedules = (oncall: OncallConfig, schedule: string | undefined, flag: string): string[] => {
  const names = Object.keys(oncall.schedules);
  if (schedule === undefined) return names;
  if (!names.includes(schedule)) {
    throw new UsageError(
      `${flag}: unknown schedule "${schedule}": oncall.schedules has ${names.join(', ') || '(none)'}`,
    );
  }
  return [schedule];
};

const severityFlag = (text: string | undefined): Severity | undefined => {
  if (text === undefined) return undefined;
  if (!(SEVERITIES as readonly string[]).includes(text)) {
    throw new UsageError(`--severity: "${text}" is not a severity: one of ${SEVERITIES.join(', ')}`);
  }
  return text as Severity;
};

/** Runs `run` on the overrides of the table --table or --stack names, or of the sandbox store (--db). */
const withOverrideStore = (parsed: OncallParsed, run: (store: OverrideStore) => Promise<number>) =>
  withStore(parsed, (store, { doc }) => run(new OverrideStore(doc, store.tableName)));

/** `incident oncall`: who is on call at --at (default now), or the shifts over --from .. --to. */
export const oncall = async (parsed: OncallParsed, io: Io): Promise<number> => {
  const cfg = config(parsed);
  const setup = oncallOf(cfg);
  const { at, from, to, json } = parsed.values;
  const schedules = pickSchedules(setup, parsed.values.schedule, '--schedule');
  const severity = severityFlag(parsed.values.severity);
  if (from !== undefined || to !== undefined) {
    if (at !== undefined) throw new UsageError('oncall takes --at ISO, or --from ISO --to ISO, not both');
    missingFlags('oncall --from --to', { '--from ISO': from, '--to ISO': to });
    const start = instantFlag(from ?? '', '--from');
    const end = instantFlag(to ?? '', '--to');
    if (end <= start) throw new UsageError(`--to: must be after --from (${start.toISOString()})`);
    if (end.getTime() - start.getTime() > MAX_RANGE_DAYS * DAY_MS) {
      throw new UsageError(`--to: the range is at most ${MAX_RANGE_DAYS} days`);
    }
    return withOverrideStore(parsed, async (store) => {
      const overrides = await store.overridesInForce(schedules, start);
      const listed = shifts(setup, overrides, start, end, severity ? { severity } : {}).filter((s) =>
        schedules.includes(s.schedule),
      );
      if (json) {
        io.out(`${JSON.stringify(listed.map(shiftJson))}\n`);
        return 0;
      }
      const zoneOf = (s: string) => setup.schedules[s]?.timeZone ?? 'UTC';
      io.out(
        [
          `Shifts from ${utc(start.toISOString())} to ${utc(end.toISOString())}${severity ? ` for a ${severity} page` : ''}, handoff by handoff:`,
          ...listed.map((s) => formatShift(s, zoneOf(s.schedule))),
          '',
        ].join('\n'),
      );
      return 0;
    });
  }
  const instant = at === undefined ? new Date() : instantFlag(at, '--at');
  return withOverrideStore(parsed, async (store) => {
    const overrides = await store.overridesInForce(schedules, instant);
    io.out(
      json
        ? `${JSON.stringify(onCallJson(cfg, setup, overrides, schedules, severity, instant))}\n`
        : onCallText(cfg, setup, overrides, schedules, severity, instant),
    );
    return 0;
  });
};

/** The tiers that page a schedule among `schedules`, with it. */
const scheduledTiers = (cfg: DeploymentConfig, schedules: readonly string[]) =>
  Object.entries(cfg.contacts).flatMap(([tier, contact]) =>
    contact.schedule !== undefined && schedules.includes(contact.schedule)
      ? [{ tier, schedule: contact.schedule, layer: contact.layer }]
      : [],
  );

/** A tier's page is resolved for --severity, or for a P1 (the page every layer takes, unless limited). */
const TIER_SEVERITY: Severity = 'P1';

const onCallJson = (
  cfg: DeploymentConfig,
  setup: OncallConfig,
  overrides: readonly OncallOverride[],
  schedules: readonly string[],
  severity: Severity | undefined,
  instant: Date,
) => ({
  at: instant.toISOString(),
  tiers: Object.fromEntries(
    scheduledTiers(cfg, schedules).map(({ tier }) => [
      tier,
      resolveTier(cfg, overrides, tier, severity ?? TIER_SEVERITY, instant).targets.map((t) =>
        addressName(t.address),
      ),
    ]),
  ),
  schedules: Object.fromEntries(
    schedules.map((s) => [s, onCallIn(setup, overrides, s, instant, severity ? { severity } : {}).people]),
  ),
});

const onCallText = (
  cfg: DeploymentConfig,
  setup: OncallConfig,
  overrides: readonly OncallOverride[],
  schedules: readonly string[],
  severity: Severity | undefined,
  instant: Date,
): string => {
  const zoneOf = (s: string) => setup.schedules[s]?.timeZone ?? 'UTC';
  const zones = [...new Set(schedules.map(zoneOf))];
  const tiers = scheduledTiers(cfg, schedules).flatMap(({ tier, schedule, layer }) => {
    const tierSeverity = severity ?? TIER_SEVERITY;
    const answer = onCallIn(setup, overrides, schedule, instant, {
      severity: tierSeverity,
      ...(layer === undefined ? {} : { layer }),
    });
    return formatTier(resolveTier(cfg, overrides, tier, tierSeverity, instant), answer.end, zoneOf(schedule));
  });
  const perSchedule = schedules.flatMap((s) =>
    formatScheduleOnCall(onCallIn(setup, overrides, s, instant, severity ? { severity } : {}), zoneOf(s)),
  );
  const warnings = handoffWarnings(setup, { from: instant, days: 366 }).filter((w) =>
    schedules.includes(w.schedule),
  );
  return [
    `On call at ${utc(instant.toISOString())}${zones.length > 0 ? ` (${zones.map((z) => localTime(instant, z)).join(', ')})` : ''}`,
    `Tiers (as paged for a ${severity ?? `${TIER_SEVERITY}; --severity for another`}):`,
    ...(tiers.length > 0 ? tiers : ['  (no tier pages these schedules)']),
    `Schedules${severity ? ` (layers paged for a ${severity})` : ''}:`,
    ...perSchedule,
    ...warnings.map((w) => `warning: ${w.message}`),
    '',
  ].join('\n');
};

/** Where each override field is set on the command line, so a problem names the flag. */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  schedule: 'SCHEDULE',
  replaces: '--replaces',
  from: '--from',
  to: '--to',
  reason: '--reason',
  by: '--by',
  token: '--token',
};

/** A ValidationError of an override, as a usage error on the flags (`person` on `--add|--remove|--replace`). */
const onFlags = (problems: readonly FieldProblem[], personFlag: string): UsageError =>
  new UsageError(
    new ValidationError(
      'override',
      problems.map((p) => ({
        path: p.path === 'person' ? personFlag : (FLAG_OF_FIELD[p.path] ?? p.path),
        message: p.path === 'to' ? p.message.replace(/\bfrom$/, '--from') : p.message,
      })),
    ).message,
  );

const overrideDeps = (store: OverrideStore, setup: OncallConfig, now: Date): OverrideDeps => ({
  store,
  oncall: setup,
  clock: () => now,
});

/** `incident override SCHEDULE --add|--remove|--replace PERSON ...`, or `--delete ID --by NAME`. */
export const override = async (
  schedule: string | undefined,
  parsed: OncallParsed,
  io: Io,
): Promise<number> => {
  const setup = oncallOf(config(parsed));
  const names = Object.keys(setup.schedules);
  if (!schedule) throw new UsageError(`override needs a SCHEDULE: one of ${names.join(', ') || '(none)'}`);
  const { add, remove, replace, replaces, from, to, reason, by, token } = parsed.values;
  const kinds = (['add', 'remove', 'replace'] as const).filter((k) => parsed.values[k] !== undefined);
  const id = parsed.values.delete;
  if (id !== undefined) {
    if (kinds.length > 0)
      throw new UsageError(`override takes --delete ID, or --${kinds[0]} PERSON, not both`);
    pickSchedules(setup, schedule, 'SCHEDULE');
    return removeOverride(setup, schedule, id, parsed, io);
  }
  const [kind, ...more] = kinds;
  if (kind === undefined || more.length > 0) {
    throw new UsageError(
      'override needs exactly one of --add PERSON, --remove PERSON, --replace PERSON (or --delete ID)',
    );
  }
  missingFlags('override', { '--from ISO': from, '--to ISO': to, '--reason TEXT': reason, '--by NAME': by });
  if (token !== undefined && !token.trim()) throw new UsageError('--token: must not be blank');
  const now = new Date();
  const candidate = {
    id: randomUUID(),
    schedule,
    kind,
    person: { add, remove, replace }[kind],
    ...(replaces === undefined ? {} : { replaces }),
    from,
    to,
    reason,
    by,
    createdAt: now.toISOString(),
  };
  const checked = oncallOverrideSchema.safeParse(candidate);
  const problems = [
    ...(checked.success ? [] : problemsFromZod(checked.error)),
    ...overrideNameProblems(setup, { schedule, person: candidate.person ?? '', replaces }),
  ];
  if (!checked.success || problems.length > 0) throw onFlags(problems, `--${kind}`);
  return withOverrideStore(parsed, async (store) => {
    const added = await addOverride(overrideDeps(store, setup, now), checked.data, token).catch((error) => {
      throw error instanceof ValidationError ? onFlags(error.problems, `--${kind}`) : error;
    });
    const o = added.override;
    const zone = setup.schedules[o.schedule]?.timeZone ?? 'UTC';
    const start = new Date(o.from);
    const answer = onCallIn(setup, await store.overridesInForce([o.schedule], start), o.schedule, start);
    io.out(
      [
        added.created
          ? `Override ${o.id} on ${o.schedule}: ${overrideAction(o)}`
          : `Override ${o.id} on ${o.schedule} was already stored with token ${token} (a retry): nothing added. It: ${overrideAction(o)}`,
        `  ${utcAndLocal(start, zone)} - ${utcAndLocal(new Date(o.to), zone)}, by ${o.by}: ${o.reason}`,
        `On call in ${o.schedule} at ${utcAndLocal(start, zone)}, with it:`,
        ...formatScheduleOnCall(answer, zone),
        `Delete it: incident override ${o.schedule} --delete ${o.id} --by NAME`,
        '',
      ].join('\n'),
    );
    return 0;
  });
};

const removeOverride = async (
  setup: OncallConfig,
  schedule: string,
  id: string,
  parsed: OncallParsed,
  io: Io,
): Promise<number> => {
  const { by } = parsed.values;
  missingFlags('override --delete', { '--by NAME': by });
  const now = new Date();
  return withOverrideStore(parsed, async (store) => {
    const deleted = await deleteOverride(overrideDeps(store, setup, now), schedule, id, by ?? '');
    if (deleted === undefined) {
      io.err(`No override ${id} in ${schedule}. incident overrides ${schedule} lists them.\n`);
      return 1;
    }
    const earlier = deleted.deletedAt !== now.toISOString();
    io.out(
      earlier
        ? `Override ${id} of ${schedule} was already deleted by ${deleted.deletedBy} at ${utc(deleted.deletedAt ?? '')}.\n`
        : `Override ${id} of ${schedule} deleted by ${by}: ${overrideAction(deleted)} no longer applies (kept on the record).\n`,
    );
    return 0;
  });
};

/** `incident overrides [SCHEDULE] [--at ISO]`: the overrides in force at --at (default now) or to come. */
export const overrides = async (
  schedule: string | undefined,
  parsed: OncallParsed,
  io: Io,
): Promise<number> => {
  const setup = oncallOf(config(parsed));
  pickSchedules(setup, schedule, 'SCHEDULE');
  const at = parsed.values.at === undefined ? new Date() : instantFlag(parsed.values.at, '--at');
  return withOverrideStore(parsed, async (store) => {
    const listed = await listOverrides(overrideDeps(store, setup, at), schedule, at);
    if (parsed.values.json) {
      io.out(`${JSON.stringify({ overrides: listed })}\n`);
      return 0;
    }
    io.out(
      listed.length > 0
        ? `${listed.map((o) => formatOverride(o, setup.schedules[o.schedule]?.timeZone ?? 'UTC', at)).join('\n')}\n`
        : `No override in force or to come${schedule ? ` in ${schedule}` : ''}.\n`,
    );
    return 0;
  });
};
