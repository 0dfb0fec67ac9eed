/**
 * On-call overrides (issue 13): add one after checking its names against the config, list a
 * schedule's, delete one. The override's own shape (ISO instants, end after start, `replaces` only for
 * a replace) is checked at the edge with `oncallOverrideSchema`: that schema is classic zod, which the
 * Lambda bundles leave out (they validate with zod/mini), so this module, which a Lambda may import,
 * does not pull it in. What the schema cannot know, the config's schedules and people, is checked here.
 */
import type { AddedOverride, OverrideStore, StoredOverride } from '../adapters/oncall-overrides';
import type { OncallConfig, OncallOverride } from '../contract/config-schema-oncall';
import { type FieldProblem, ValidationError } from '../domain/errors';

/** What the override service needs: the store, the config's on-call section, and a clock for deletes and listing. */
export interface OverrideDeps {
  readonly store: OverrideStore;
  /** The deployment config's `oncall` section; undefined when the config has none. */
  readonly oncall: OncallConfig | undefined;
  readonly clock: () => Date;
}

const known = (names: readonly string[]): string => names.join(', ') || '(none)';

/** The config's schedule names, or a ValidationError on `field` when the config has no oncall section. */
const noOncall = (field: string): FieldProblem => ({
  path: field,
  message: 'the config has no oncall section, so no schedules to override',
});

/** The config's schedule names. @throws ValidationError on `schedule` when the config has no oncall section */
const scheduleNames = (deps: OverrideDeps): string[] => {
  if (deps.oncall === undefined) throw new ValidationError('override', [noOncall('schedule')]);
  return Object.keys(deps.oncall.schedules);
};

const scheduleProblem = (names: readonly string[], schedule: string): FieldProblem | undefined =>
  names.includes(schedule)
    ? undefined
    : { path: 'schedule', message: `unknown schedule "${schedule}": oncall.schedules has ${known(names)}` };

/**
 * What the override schema cannot check: that the schedule, `person` and `replaces` are in the
 * config. One problem per bad field, on `schedule`, `person` or `replaces`.
 */
export const overrideNameProblems = (
  oncall: OncallConfig | undefined,
  override: Pick<OncallOverride, 'schedule' | 'person' | 'replaces'>,
): FieldProblem[] => {
  if (oncall === undefined) return [noOncall('schedule')];
  const people = oncall.people.map((p) => p.name);
  const problems = [scheduleProblem(Object.keys(oncall.schedules), override.schedule)];
  for (const field of ['person', 'replaces'] as const) {
    const name = override[field];
    if (name !== undefined && !people.includes(name)) {
      problems.push({ path: field, message: `unknown person "${name}": oncall.people has ${known(people)}` });
    }
  }
  return problems.filter((p) => p !== undefined);
};

/** Throws ValidationError on `schedule` when the config has no such schedule. */
const requireSchedule = (deps: OverrideDeps, schedule: string): void => {
  const problem = scheduleProblem(scheduleNames(deps), schedule);
  if (problem) throw new ValidationError('override', [problem]);
};

/**
 * Stores `override` (shape-checked by oncallOverrideSchema), at most once per `token`, after checking
 * that its schedule, `person` and `replaces` are in the config; `from` and `to` are stored as UTC ISO.
 * @throws ValidationError naming every bad field (`schedule`, `person`, `replaces`), or `token` when it
 *   was used for another override
 */
export const addOverride = async (
  deps: OverrideDeps,
  override: OncallOverride,
  token?: string,
): Promise<AddedOverride> => {
  const problems = overrideNameProblems(deps.oncall, override);
  if (problems.length > 0) throw new ValidationError('override', problems);
  const utc = (iso: string) => new Date(iso).toISOString();
  return deps.store.add({ ...override, from: utc(override.from), to: utc(override.to) }, token);
};

/**
 * The overrides of one schedule, or of every configured schedule, that end after `after`
 * (@default the clock's now): in force and future ones, deleted ones included (they carry `deletedAt`),
 * by start, then by creation.
 * @throws ValidationError on `schedule` when the config has no such schedule
 */
export const listOverrides = async (
  deps: OverrideDeps,
  schedule?: string,
  after: Date = deps.clock(),
): Promise<StoredOverride[]> => {
  if (schedule !== undefined) requireSchedule(deps, schedule);
  const schedules = schedule === undefined ? scheduleNames(deps) : [schedule];
  const perSchedule = await Promise.all(schedules.map((s) => deps.store.list(s, after)));
  return perSchedule
    .flat()
    .sort(
      (a, b) => Date.parse(a.from) - Date.parse(b.from) || Date.parse(a.createdAt) - Date.parse(b.createdAt),
    );
};

/**
 * Deletes override `id` of `schedule` now, softly (it stays on the record with who deleted it).
 * Returns it as stored, or undefined when the schedule has no override `id`.
 * @throws ValidationError on `schedule` when the config has no such schedule
 */
export const deleteOverride = async (
  deps: OverrideDeps,
  schedule: string,
  id: string,
  by: string,
): Promise<StoredOverride | undefined> => {
  requireSchedule(deps, schedule);
  return deps.store.remove(schedule, id, by, deps.clock());
};
