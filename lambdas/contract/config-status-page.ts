/**
 * The status page config's cross-field rule: every service a component names is a configured service
 * (of `services` or `otherServices`), since an incident is on one of those, and a component whose
 * service never has an incident would stay operational whatever happens.
 */
import type { FieldProblem } from '../domain/errors';
import { formatPath } from '../domain/validation';
import { asList, asString, field, type Raw } from './config-raw';
import { allServiceNames } from './config-routing';

/** One problem per unknown service, at its path under `statusPage.components`. */
export const statusPageProblems = (input: Raw): FieldProblem[] => {
  const names = allServiceNames(input);
  return asList(field(input.statusPage, 'components')).flatMap((component, c) =>
    asList(field(component, 'services')).flatMap((service, s) => {
      const name = asString(service);
      return name === undefined || names.includes(name)
        ? []
        : [
            {
              path: formatPath(['statusPage', 'components', c, 'services', s]),
              message: `'${name}' is not a configured service (services and otherServices: ${names.join(', ') || 'none'})`,
            },
          ];
    }),
  );
};
