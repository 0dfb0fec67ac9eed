/**
 * Validation of the deployment config, run at synth (and by the CLI and the sandbox) on the JSON a
 * person wrote. The Lambda bundles do not run it: `cdk synth` writes the validated config beside each
 * bundle (bundled-config.ts). Classic zod: this module is never in a bundle.
 */
import type { z } from 'zod';
import { type FieldProblem, ValidationError } from '../domain/errors';
import { SEVERITIES } from '../domain/severity';
import { formatPath } from '../domain/validation';
import { ALARM_KINDS, LOAD_BALANCER_ALARM_KINDS } from '../domain/vocabulary';
import { alarmNameFor, ignoredAlarmFamilies } from './alarm-index';
import { actionProblems } from './config-actions';
import { oncallProblems } from './config-oncall';
import { asList, asString, field, isRecord, type Raw } from './config-raw';
import { allServiceNames, routingProblems } from './config-routing';
import {
  ALARM_DEFAULTS,
  DEFAULT_ESCALATION,
  DEFAULT_STACK_NAME,
  type DeploymentConfig,
  deploymentConfigSchema,
  MAX_ALARM_EVALUATION_SECONDS,
} from './config-schema';
import { statusPageProblems } from './config-status-page';

/**
 * Validates a config already parsed from JSON and applies the defaults. Structural problems and
 * cross-field problems (duplicate names, unknown tiers or services, alarms without a runbook or a load
 * balancer) are
 * checked independently and thrown together, so one run shows everything to fix.
 * @param source names the config in the error, e.g. its file path
 * @throws ValidationError listing every problem with its field path
 */
export const parseConfig = (input: unknown, source: string): DeploymentConfig => {
  const result = deploymentConfigSchema.safeParse(input, { error: describeIssue });
  const crossField = crossFieldProblems(input);
  // A retired setting is reported once, by what replaced it, not also as an unknown key.
  const explained = new Set(crossField.map((p) => p.path));
  const problems = distinct([
    ...(result.success ? [] : problemsFromIssues(result.error.issues)).filter(
      (p) => !(explained.has(p.path) && p.message === UNKNOWN_KEY),
    ),
    ...crossField,
  ]);
  if (!result.success || problems.length > 0) {
    throw new ValidationError(`Deployment config ${source}`, problems);
  }
  return result.data;
};

const ARTICLE_FOR: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  record: 'an object',
};

const describeValue = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'boolean') return String(value);
  return ARTICLE_FOR[typeof value] ?? typeof value;
};

const plural = (count: number | bigint, one: string, many: string): string =>
  `${count} ${count === 1 ? one : many}`;

/** Plain-words messages for zod's generic issues; checks with their own message keep it. */
const describeIssue: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = ARTICLE_FOR[issue.expected] ?? issue.expected;
      return issue.input === undefined
        ? `is required (${expected})`
        : `must be ${expected}, not ${describeValue(issue.input)}`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      if (issue.origin === 'array') return `must list at least ${plural(issue.minimum, 'entry', 'entries')}`;
      if (issue.origin === 'string')
        return issue.minimum === 1 ? 'must not be empty' : `is shorter than ${issue.minimum}`;
      return issue.inclusive ? `must be ${issue.minimum} or more` : `must be more than ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'array') return `must list at most ${plural(issue.maximum, 'entry', 'entries')}`;
      if (issue.origin === 'string')
        return `must be at most ${plural(issue.maximum, 'character', 'characters')}`;
      return issue.inclusive ? `must be ${issue.maximum} or less` : `must be less than ${issue.maximum}`;
    default:
      return undefined;
  }
};

/**
 * One problem per bad field: an unknown key is reported at its own path, and of the shapes a union
 * allows, the closest one (fewest problems) is the one explained.
 */
const UNKNOWN_KEY = 'is not a known setting (a typo?)';

const problemsFromIssues = (
  issues: readonly z.core.$ZodIssue[],
  base: readonly PropertyKey[] = [],
): FieldProblem[] =>
  issues.flatMap((issue) => {
    const path = [...base, ...issue.path];
    switch (issue.code) {
      case 'unrecognized_keys':
        return issue.keys.map((key) => ({
          path: formatPath([...path, key]),
          message: UNKNOWN_KEY,
        }));
      case 'invalid_union': {
        const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0];
        return closest?.length
          ? problemsFromIssues(closest, path)
          : [{ path: formatPath(path), message: issue.message }];
      }
      case 'invalid_key':
        return issue.issues.map((inner) => ({
          path: formatPath(path),
          message: `bad name: ${inner.message}`,
        }));
      default:
        return [{ path: formatPath(path), message: issue.message }];
    }
  });

const distinct = (problems: readonly FieldProblem[]): FieldProblem[] => {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

/**
 * Rules that span fields, checked on the raw input so that they run whatever else is wrong. Anything
 * not of the expected shape is skipped here: the schema reports it.
 */
const crossFieldProblems = (input: unknown): FieldProblem[] =>
  isRecord(input)
    ? [
        ...serviceProblems(input.services),
        ...escalationProblems(input.escalation, input.contacts),
        ...allowlistProblems(field(input.automation, 'allowlist'), input.services),
        ...maintenanceWindowProblems(input.maintenanceWindows, allServiceNames(input)),
        ...ownerTierProblems(field(input.postMortem, 'ownerTier'), input.contacts),
        ...ignoredFamilyProblems(input),
        ...routingProblems(input),
        ...oncallProblems(input),
        ...statusPageProblems(input),
        ...actionProblems(input),
      ]
    : [];

/**
 * A configured alarm named like a family that unmapped alarms leave out would never reach the
 * workflow: the EventBridge rule drops it by name before anyone knows it is configured.
 */
const ignoredFamilyProblems = (input: Raw): FieldProblem[] => {
  const routing = input.routing;
  // Ignoring by default, the EventBridge rule matches the stack's alarms by name, whatever they start with.
  if (field(field(routing, 'default'), 'action') === 'ignore') return [];
  const families = ignoredAlarmFamilies(asString(input.stackName) ?? DEFAULT_STACK_NAME, {
    ignoreTargetTracking: field(routing, 'ignoreTargetTracking') !== false,
    ignoreOperatorAlarms: field(routing, 'ignoreOperatorAlarms') !== false,
  });
  return asList(input.services).flatMap((svc, i) =>
    ALARM_KINDS.flatMap((kind) => {
      const alarm = field(field(svc, 'alarms'), kind);
      if (!isRecord(alarm)) return [];
      const ownName = asString(alarm.alarmName);
      const serviceName = asString(field(svc, 'name'));
      const name = ownName ?? (serviceName === undefined ? undefined : alarmNameFor(serviceName, kind));
      const family = families.find((f) => name?.startsWith(f.prefix));
      if (name === undefined || family === undefined) return [];
      const path = formatPath(['services', i, 'alarms', kind]);
      return [
        {
          path: ownName === undefined ? path : `${path}.alarmName`,
          message: `'${name}' starts with ${family.prefix}, which the intake leaves out while ${family.setting} is true: rename the alarm or set it to false`,
        },
      ];
    }),
  );
};

const serviceProblems = (services: unknown): FieldProblem[] => {
  const problems: FieldProblem[] = [];
  const serviceAt = new Map<string, string>();
  const alarmAt = new Map<string, string>();
  asList(services).forEach((svc, i) => {
    const name = asString(field(svc, 'name'));
    const at = formatPath(['services', i]);
    if (name !== undefined) {
      const first = serviceAt.get(name);
      if (first === undefined) serviceAt.set(name, at);
      else
        problems.push({
          path: `${at}.name`,
          message: `'${name}' is already the name of ${first}; names must be unique`,
        });
    }
    for (const kind of ALARM_KINDS) {
      const alarm = field(field(svc, 'alarms'), kind);
      if (!isRecord(alarm)) continue;
      const path = formatPath(['services', i, 'alarms', kind]);
      if (asString(alarm.runbookUrl) === undefined && asString(field(svc, 'runbookUrl')) === undefined) {
        problems.push({ path, message: `has no runbook URL: set runbookUrl on this alarm or on ${at}` });
      }
      if (
        (LOAD_BALANCER_ALARM_KINDS as readonly string[]).includes(kind) &&
        field(svc, 'loadBalancer') === undefined
      ) {
        problems.push({
          path,
          message: `reads load balancer metrics: set ${at}.loadBalancer (its LoadBalancer and TargetGroup dimensions)`,
        });
      }
      const ownName = asString(alarm.alarmName);
      const alarmName = ownName ?? (name === undefined ? undefined : alarmNameFor(name, kind));
      if (alarmName !== undefined) {
        const first = alarmAt.get(alarmName);
        if (first === undefined) alarmAt.set(alarmName, path);
        else {
          problems.push({
            path: ownName === undefined ? path : `${path}.alarmName`,
            message: `alarm name '${alarmName}' is also the name of ${first}; CloudWatch alarm names must be unique`,
          });
        }
      }
      const periods = alarm.evaluationPeriods ?? ALARM_DEFAULTS.evaluationPeriods;
      const period = alarm.periodSeconds ?? ALARM_DEFAULTS.periodSeconds;
      if (
        typeof periods === 'number' &&
        typeof period === 'number' &&
        periods * period > MAX_ALARM_EVALUATION_SECONDS
      ) {
        problems.push({
          path: `${path}.evaluationPeriods`,
          message:
            `${periods} periods of ${period} s span ${periods * period} s; ` +
            `CloudWatch evaluates at most ${MAX_ALARM_EVALUATION_SECONDS} s (one day)`,
        });
      }
    }
  });
  return problems;
};

const escalationProblems = (escalation: unknown, contacts: unknown): FieldProblem[] => {
  if (!isRecord(contacts) || (escalation !== undefined && !isRecord(escalation))) return [];
  const tiers = Object.keys(contacts);
  const problems: FieldProblem[] = [];
  for (const severity of SEVERITIES) {
    const configured = field(escalation, severity);
    const policy = configured ?? DEFAULT_ESCALATION[severity];
    asList(field(policy, 'steps')).forEach((step, s) => {
      asList(field(step, 'notify')).forEach((tier, t) => {
        if (typeof tier !== 'string' || tiers.includes(tier)) return;
        const origin =
          configured === undefined
            ? `; this step is the default escalation policy's: add the tier to contacts or set escalation.${severity}`
            : '';
        problems.push({
          path: formatPath(['escalation', severity, 'steps', s, 'notify', t]),
          message: `names tier '${tier}', which contacts does not define (defined: ${tiers.join(', ') || 'none'})${origin}`,
        });
      });
    });
  }
  return problems;
};

const serviceNames = (services: unknown[]): string[] => [
  ...new Set(services.map((svc) => asString(field(svc, 'name'))).filter((name) => name !== undefined)),
];

const maintenanceWindowProblems = (windows: unknown, names: readonly string[]): FieldProblem[] => {
  return asList(windows).flatMap((window, i) => {
    const problems: FieldProblem[] = [];
    const service = asString(field(window, 'service'));
    if (service !== undefined && service !== '*' && !names.includes(service))
      problems.push({
        path: formatPath(['maintenanceWindows', i, 'service']),
        message: `'${service}' is not a configured service or * (services: ${names.join(', ') || 'none'})`,
      });
    const from = Date.parse(asString(field(window, 'from')) ?? '');
    const until = Date.parse(asString(field(window, 'until')) ?? '');
    if (!Number.isNaN(from) && !Number.isNaN(until) && until <= from)
      problems.push({ path: formatPath(['maintenanceWindows', i, 'until']), message: 'must be after from' });
    return problems;
  });
};

const ownerTierProblems = (ownerTier: unknown, contacts: unknown): FieldProblem[] => {
  if (typeof ownerTier !== 'string' || !isRecord(contacts) || ownerTier in contacts) return [];
  return [
    {
      path: 'postMortem.ownerTier',
      message: `names tier '${ownerTier}', which contacts does not define (defined: ${Object.keys(contacts).join(', ') || 'none'})`,
    },
  ];
};

const allowlistProblems = (allowlist: unknown, services: unknown): FieldProblem[] => {
  if (!Array.isArray(services)) return [];
  const names = serviceNames(services);
  return asList(allowlist).flatMap((entry, i) =>
    typeof entry === 'string' && !names.includes(entry)
      ? [
          {
            path: formatPath(['automation', 'allowlist', i]),
            message: `'${entry}' is not a configured service (services: ${names.join(', ') || 'none'})`,
          },
        ]
      : [],
  );
};
