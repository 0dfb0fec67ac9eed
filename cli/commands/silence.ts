/** `incident silence`, `silences` and `unsilence`: a service's alarms page nobody until its silence ends. */
import { randomUUID } from 'node:crypto';
import type { IncidentStore } from '../../lambdas/adapters/incident-store';
import type { DeploymentConfig } from '../../lambdas/contract/config-schema';
import { activeSuppression, unknownServiceProblem } from '../../lambdas/domain/silences';
import { activeSilences, liftSilences, setSilence } from '../../lambdas/services/silences';
import { asUsage, config, duration, type Io, missingFlags, type Parsed, UsageError } from '../args';
import { formatSilence, humanDuration, utc } from '../format';
import { withStore } from '../record';

const silenceDeps = (store: IncidentStore, cfg: DeploymentConfig) => ({
  store,
  config: cfg,
  clock: () => new Date(),
  newId: () => randomUUID(),
});

/** A configured service, or a usage error naming the configured ones. */
const knownService = (command: string, service: string | undefined, cfg: DeploymentConfig): string => {
  const names = cfg.services.map((s) => s.name);
  if (!service) throw new UsageError(`${command} needs a SERVICE: one of ${names.join(', ')}`);
  const problem = unknownServiceProblem(service, names);
  if (problem) throw new UsageError(`SERVICE: ${problem.message}`);
  return service;
};

export const silence = async (service: string | undefined, parsed: Parsed, io: Io): Promise<number> => {
  const cfg = config(parsed);
  const name = knownService('silence', service, cfg);
  const { for: forText, reason, by } = parsed.values;
  missingFlags('silence', { '--for DURATION': forText, '--reason TEXT': reason, '--by NAME': by });
  await duration(forText ?? '', '--for');
  return withStore(parsed, async (store) => {
    const set = await asUsage(() =>
      setSilence(silenceDeps(store, cfg), {
        service: name,
        forText: forText ?? '',
        reason: reason ?? '',
        by: by ?? '',
      }),
    );
    io.out(
      `${name} silenced until ${utc(set.until)} (for ${humanDuration(Date.parse(set.until) - Date.parse(set.from))}), by ${set.by}: ${set.reason}\n` +
        `Until then its alarms are still recorded as incidents, but page nobody and start no automatic action.\n` +
        `End it sooner: incident unsilence ${name} --by NAME\n`,
    );
    return 0;
  });
};

/** The active silences and maintenance windows, of one service or of all. */
export const silences = async (service: string | undefined, parsed: Parsed, io: Io): Promise<number> => {
  const cfg = config(parsed);
  const only = service === undefined ? undefined : knownService('silences', service, cfg);
  return withStore(parsed, async (store) => {
    const now = new Date();
    const active = await activeSilences(silenceDeps(store, cfg), only);
    const windows = cfg.services
      .map((s) => s.name)
      .filter((name) => only === undefined || name === only)
      .flatMap((name) => {
        const suppression = activeSuppression(name, now, [], cfg.maintenanceWindows);
        return suppression ? [{ name, suppression }] : [];
      });
    if (parsed.values.json) {
      io.out(`${JSON.stringify({ silences: active, maintenanceWindows: windows })}\n`);
      return 0;
    }
    const lines = [
      ...active.map((s) => formatSilence(s, now)),
      ...windows.map(
        ({ name, suppression }) =>
          `${name.padEnd(14)}  until ${utc(suppression.until)} (${humanDuration(Date.parse(suppression.until) - now.getTime())} left)  maintenance window: ${suppression.reason}`,
      ),
    ];
    io.out(
      lines.length > 0
        ? `${lines.join('\n')}\n`
        : `No active silence${only ? ` on ${only}` : ''}: alarms page as usual.\n`,
    );
    return 0;
  });
};

export const unsilence = async (service: string | undefined, parsed: Parsed, io: Io): Promise<number> => {
  const cfg = config(parsed);
  const name = knownService('unsilence', service, cfg);
  const by = parsed.values.by;
  missingFlags('unsilence', { '--by NAME': by });
  return withStore(parsed, async (store) => {
    const lifted = await asUsage(() => liftSilences(silenceDeps(store, cfg), name, by ?? ''));
    io.out(
      lifted > 0
        ? `${name}: ${lifted === 1 ? '1 silence' : `${lifted} silences`} lifted by ${by}; its new alarms page again (an incident already suppressed is handled when its silence was due to end).\n`
        : `${name} had no active silence: its alarms already page.\n`,
    );
    return 0;
  });
};
