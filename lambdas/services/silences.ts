/**
 * `incident silence`: set, list and lift silences, and tell intake whether a service's alarms are
 * suppressed right now (a silence in the table, or a maintenance window in the config). A silence
 * ends by itself at `until`; lifting one only ends it sooner.
 */

import type { IncidentStore } from '../adapters/incident-store';
import type { DeploymentConfig } from '../contract/config-schema';
import { type FieldProblem, ValidationError } from '../domain/errors';
import type { Suppression } from '../domain/incident';
import {
  activeSuppression,
  newSilence,
  parseDuration,
  type Silence,
  silenceProblems,
  unknownServiceProblem,
} from '../domain/silences';

export interface SilenceDeps {
  readonly store: IncidentStore;
  readonly config: Pick<DeploymentConfig, 'services' | 'maintenanceWindows' | 'silences'>;
  readonly clock: () => Date;
  readonly newId: () => string;
}

export interface SilenceRequest {
  readonly service: string;
  /** As typed after `--for`, e.g. `2h` or `1h30m`. */
  readonly forText: string;
  readonly reason: string;
  readonly by: string;
}

const serviceNames = (deps: SilenceDeps): string[] => deps.config.services.map((s) => s.name);

/** Throws ValidationError when `service` is not configured. */
const requireService = (deps: SilenceDeps, service: string): void => {
  const problem = unknownServiceProblem(service, serviceNames(deps));
  if (problem) throw new ValidationError('silence', [problem]);
};

/** Silences `service` from now for `forText`. Throws one ValidationError listing every problem of the request. */
export const setSilence = async (deps: SilenceDeps, request: SilenceRequest): Promise<Silence> => {
  let forMs: number | undefined;
  const unreadable: FieldProblem[] = [];
  try {
    forMs = parseDuration(request.forText, '--for');
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    unreadable.push(...error.problems);
  }
  const common = { ...request, maxHours: deps.config.silences.maxHours, services: serviceNames(deps) };
  if (forMs === undefined) {
    throw new ValidationError('silence', [...unreadable, ...silenceProblems(common)]);
  }
  const silence = newSilence({ ...common, forMs, now: deps.clock(), id: deps.newId() });
  await deps.store.putSilence(silence);
  return silence;
};

/** The silences running now, of one service or of every configured service, soonest end first. */
export const activeSilences = async (deps: SilenceDeps, service?: string): Promise<Silence[]> => {
  if (service !== undefined) requireService(deps, service);
  const now = deps.clock();
  const services = service === undefined ? serviceNames(deps) : [service];
  const perService = await Promise.all(services.map((s) => deps.store.listSilences(s, now)));
  return perService
    .flat()
    .filter((s) => Date.parse(s.from) <= now.getTime())
    .sort((a, b) => Date.parse(a.until) - Date.parse(b.until));
};

/** Ends the service's running silences now; returns how many were ended. */
export const liftSilences = async (deps: SilenceDeps, service: string, by: string): Promise<number> => {
  requireService(deps, service);
  return deps.store.endSilences(service, deps.clock(), by);
};

/**
 * What suppresses alarms on `service` at `at`: a silence or a maintenance window, the one ending
 * last. A stored silence longer than this deployment's `silences.maxHours` (set through another
 * config) counts only up to that limit: the workflow's wait must end within its execution's time.
 */
export const suppressionFor = async (
  deps: SilenceDeps,
  service: string,
  at: Date,
): Promise<Suppression | undefined> => {
  const limitMs = deps.config.silences.maxHours * 3_600_000;
  const silences = (await deps.store.listSilences(service, at)).map((silence) => {
    const cap = new Date(Date.parse(silence.from) + limitMs).toISOString();
    return silence.until > cap ? { ...silence, until: cap } : silence;
  });
  return activeSuppression(service, at, silences, deps.config.maintenanceWindows);
};
