/**
 * The custom actions' cross-field rule: every action a service's playbook names is defined in
 * `actions`, so a misspelt name is refused at synth rather than found out at the first incident.
 */
import type { FieldProblem } from '../domain/errors';
import { formatPath } from '../domain/validation';
import { asList, asString, field, isRecord, type Raw } from './config-raw';

/** One problem per playbook line naming an action that `actions` does not define. */
export const actionProblems = (input: Raw): FieldProblem[] => {
  const defined = isRecord(input.actions) ? Object.keys(input.actions) : [];
  return asList(input.services).flatMap((service, s) =>
    asList(field(service, 'playbook')).flatMap((rule, r) => {
      const name = asString(field(rule, 'action'));
      return name === undefined || defined.includes(name)
        ? []
        : [
            {
              path: formatPath(['services', s, 'playbook', r, 'action']),
              message: `names action '${name}', which actions does not define (defined: ${defined.join(', ') || 'none'})`,
            },
          ];
    }),
  );
};
