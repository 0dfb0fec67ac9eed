/**
 * The routing config's cross-field rules: rule ids used once, services that exist, one source per
 * field, names unique across `services` and `otherServices`, and the old `unmappedAlarms` section
 * pointed at its replacement.
 */
import type { FieldProblem } from '../domain/errors';
import { formatPath } from '../domain/validation';
import { asList, asString, field, isRecord, type Raw } from './config-raw';

/** Every configured service name: the ECS services, then the others. */
export const allServiceNames = (input: Raw): string[] => [
  ...new Set(
    [...asList(input.services), ...asList(input.otherServices)]
      .map((svc) => asString(field(svc, 'name')))
      .filter((name) => name !== undefined),
  ),
];

const otherServiceProblems = (input: Raw): FieldProblem[] => {
  const ecs = new Map<string, number>();
  asList(input.services).forEach((svc, i) => {
    const name = asString(field(svc, 'name'));
    if (name !== undefined && !ecs.has(name)) ecs.set(name, i);
  });
  const seen = new Map<string, number>();
  return asList(input.otherServices).flatMap((svc, i) => {
    const name = asString(field(svc, 'name'));
    if (name === undefined) return [];
    const path = `${formatPath(['otherServices', i])}.name`;
    const inEcs = ecs.get(name);
    const first = seen.get(name);
    if (first === undefined) seen.set(name, i);
    if (inEcs !== undefined)
      return [{ path, message: `'${name}' is already the name of services[${inEcs}]; names must be unique` }];
    if (first !== undefined)
      return [
        { path, message: `'${name}' is already the name of otherServices[${first}]; names must be unique` },
      ];
    return [];
  });
};

const ruleProblems = (input: Raw): FieldProblem[] => {
  const names = allServiceNames(input);
  const ids = new Map<string, number>();
  return asList(field(input.routing, 'rules')).flatMap((rule, i) => {
    const at = formatPath(['routing', 'rules', i]);
    const problems: FieldProblem[] = [];
    const id = asString(field(rule, 'id'));
    if (id !== undefined) {
      const first = ids.get(id);
      if (first === undefined) ids.set(id, i);
      else
        problems.push({ path: `${at}.id`, message: `'${id}' is already the id of routing.rules[${first}]` });
    }
    const service = asString(field(rule, 'service'));
    if (service !== undefined && !names.includes(service))
      problems.push({
        path: `${at}.service`,
        message: `'${service}' is not a configured service (services and otherServices: ${names.join(', ') || 'none'})`,
      });
    if (service !== undefined && field(rule, 'serviceFrom') !== undefined)
      problems.push({ path: `${at}.serviceFrom`, message: 'set service or serviceFrom, not both' });
    if (field(rule, 'severity') !== undefined && field(rule, 'severityFromTag') !== undefined)
      problems.push({ path: `${at}.severityFromTag`, message: 'set severity or severityFromTag, not both' });
    if (field(rule, 'action') === 'ignore' && field(rule, 'continue') === true)
      problems.push({
        path: `${at}.continue`,
        message: 'an ignored alarm sets nothing later rules could add to: drop continue or the ignore',
      });
    return problems;
  });
};

const migrationProblems = (input: Raw): FieldProblem[] =>
  input.unmappedAlarms === undefined
    ? []
    : [
        {
          path: 'unmappedAlarms',
          message:
            'was replaced by routing: move action and severity to routing.default, ignoreTargetTracking and ignoreOperatorAlarms to routing',
        },
      ];

export const routingProblems = (input: unknown): FieldProblem[] =>
  isRecord(input)
    ? [...migrationProblems(input), ...otherServiceProblems(input), ...ruleProblems(input)]
    : [];
