/**
 * The on-call config's cross-field rules against the rest of the deployment config: a tier's
 * `schedule` and `layer` exist, the fallback names a person or a tier with endpoints of its own, and
 * no name is both a person and a tier (a fallback entry would be ambiguous).
 */
import type { FieldProblem } from '../domain/errors';
import { formatPath } from '../domain/validation';
import { asList, asString, field, isRecord, type Raw } from './config-raw';

const tierHasEndpoints = (tier: unknown): boolean =>
  asList(field(tier, 'email')).length > 0 ||
  asList(field(tier, 'sms')).length > 0 ||
  asString(field(field(tier, 'chat'), 'slackChannelId')) !== undefined ||
  asString(field(field(tier, 'chat'), 'teamsChannelId')) !== undefined;

export const oncallProblems = (input: Raw): FieldProblem[] => {
  const contacts = isRecord(input.contacts) ? input.contacts : {};
  const oncall = input.oncall;
  const schedules = field(oncall, 'schedules');
  const people = new Set(
    asList(field(oncall, 'people'))
      .map((p) => asString(field(p, 'name')))
      .filter((n) => n !== undefined),
  );
  const problems: FieldProblem[] = [];
  for (const [tierName, tier] of Object.entries(contacts)) {
    const schedule = asString(field(tier, 'schedule'));
    if (schedule === undefined) continue;
    const path = formatPath(['contacts', tierName, 'schedule']);
    if (oncall === undefined) {
      problems.push({ path, message: `names schedule '${schedule}', but the config has no oncall section` });
      continue;
    }
    const layers = field(field(schedules, schedule), 'layers');
    if (!isRecord(schedules) || !(schedule in schedules)) {
      const known = isRecord(schedules) ? Object.keys(schedules).join(', ') : '';
      problems.push({
        path,
        message: `names schedule '${schedule}', which oncall.schedules does not define (defined: ${known || 'none'})`,
      });
      continue;
    }
    const layer = asString(field(tier, 'layer'));
    const layerNames = asList(layers).map((l) => asString(field(l, 'name')));
    if (layer !== undefined && !layerNames.includes(layer)) {
      problems.push({
        path: formatPath(['contacts', tierName, 'layer']),
        message: `names layer '${layer}', which schedule ${schedule} does not have (layers: ${layerNames.join(', ')})`,
      });
    }
  }
  for (const name of people) {
    if (name in contacts) {
      const index = asList(field(oncall, 'people')).findIndex((p) => field(p, 'name') === name);
      problems.push({
        path: `${formatPath(['oncall', 'people', index])}.name`,
        message: `'${name}' is also a tier in contacts: a person and a tier need different names`,
      });
    }
  }
  asList(field(oncall, 'fallback')).forEach((name, index) => {
    if (typeof name !== 'string' || people.has(name)) return;
    const path = formatPath(['oncall', 'fallback', index]);
    const tier = contacts[name];
    if (tier === undefined) {
      problems.push({ path, message: `${name} is neither in oncall.people nor a tier in contacts` });
    } else if (!tierHasEndpoints(tier)) {
      problems.push({
        path,
        message: `${name} is a tier with no endpoints of its own: a fallback tier must reach someone without a schedule`,
      });
    }
  });
  return problems;
};
