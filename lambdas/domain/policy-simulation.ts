/**
 * What the deployed policy would have done with a past alarm history: replays state changes, in time
 * order, through the same rules the intake and the lifecycle apply, on a simulated clock (each change's
 * own time). Nothing is paged and nothing is stored: the report only counts.
 *
 * Per state change, as the intake does it: INSUFFICIENT_DATA is not a signal; an alarm that routing
 * ignores opens nothing; an ALARM opens an incident under its dedup key, joins the open one
 * (a duplicate), or reopens the one resolved within `reopenWindowMinutes` (acceptsAlarm and
 * applySignal decide, as in the incident service); an OK resolves the open incident. An incident
 * opened or reopened while a maintenance window or a silence covers its service is suppressed: it
 * pages nobody, and when the suppression ends it is handled from then if it still fires, or closed
 * (so a later ALARM opens a new incident) if it recovered meanwhile.
 *
 * Paging, as the lifecycle does it, with nobody ever acknowledging: each firing (an opening, a
 * reopen, or the end of a suppression) pages the severity's tier 1 at once (`firstTiers`), then every
 * later step and repeat of `escalationSchedule` that falls before the incident resolves. Status
 * updates and resolution notices are not counted as pages. An incident still open when the history
 * ends is counted up to its last state change.
 *
 * Pure: the routing decisions are handed in, one per alarm (routeAlarm's answers).
 */
import type { DeploymentConfig } from '../contract/config-schema';
import { type EscalationView, escalationSchedule, firstTiers, stillApplies } from './escalation';
import { dedupKey } from './ids';
import {
  type Actor,
  type AlarmSignal,
  acceptsAlarm,
  applySignal,
  endSuppression,
  type Incident,
  liftSuppression,
  openIncident,
  type SignalPolicy,
  suppress,
} from './incident';
import { isOpen } from './lifecycle';
import type { RouteDecision, TagLookup } from './routing';
import { classifySeverity, type Severity } from './severity';
import { activeSuppression, type Silence } from './silences';

export type HistoryStateValue = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';

/** One state change of an alarm history, already read and validated. */
/** What routing gets for tags in a simulation: none are read, so rules that need them are skipped. */
export const SIMULATION_TAGS: TagLookup = { ok: false, reason: 'the simulation reads no tags' };

export interface HistoryChange {
  readonly alarmName: string;
  /** ISO-8601 UTC (toISOString): when CloudWatch changed the state. */
  readonly at: string;
  readonly state: HistoryStateValue;
  readonly account?: string;
  readonly region?: string;
}

/** The parts of the deployment config the simulation reads besides routing. */
export type SimulationConfig = Pick<
  DeploymentConfig,
  'dedupKey' | 'reopenWindowMinutes' | 'maintenanceWindows' | 'escalation' | 'severityRules'
>;

export interface SimulationInput {
  /** In any order: they are replayed in time order (ties keep their order here). */
  readonly changes: readonly HistoryChange[];
  readonly config: SimulationConfig;
  /** How routing decides each alarm of `changes`, by alarm name. */
  readonly routes: ReadonlyMap<string, RouteDecision>;
  /** The service of an incident whose route names none (the intake's `unmapped`). */
  readonly unmappedService: string;
  /** Silences in force during the history. @default none */
  readonly silences?: readonly Silence[];
}

/** The figures of one week, or of the whole history. */
export interface PolicyFigures {
  /** Pages per tier (every tier of `tiers`, zeros included). */
  readonly pages: Readonly<Record<string, number>>;
  readonly pagesTotal: number;
  /** New incidents, suppressed ones included. */
  readonly opened: number;
  /** Incidents opened or reopened while a maintenance window or a silence covered their service. */
  readonly suppressed: number;
  /** ALARMs that joined an incident already open under the same dedup key. */
  readonly duplicates: number;
  /** ALARMs within the reopen window of a resolved incident, which reopened it. */
  readonly reopened: number;
  /** ALARMs of alarms that routing ignores. */
  readonly ignored: number;
}

export interface WeekFigures extends PolicyFigures {
  /** ISO 8601 week, Monday-based, in UTC: `2026-W48`. */
  readonly week: string;
}

export interface AlarmFigures {
  readonly alarmName: string;
  /** State changes to ALARM in the history. */
  readonly toAlarm: number;
  /** Incidents its ALARMs opened. */
  readonly incidents: number;
  readonly reopened: number;
  readonly duplicates: number;
  /** Pages of the firings its ALARMs started. */
  readonly pages: number;
  readonly route: {
    readonly action: RouteDecision['action'];
    readonly rule: string | null;
    readonly service: string | null;
    readonly severity: Severity | null;
  };
}

export interface PolicySimulationReport {
  readonly history: {
    /** Time of the first and the last state change; null for an empty history. */
    readonly from: string | null;
    readonly until: string | null;
    readonly stateChanges: number;
    readonly toAlarm: number;
    readonly toOk: number;
    readonly toInsufficientData: number;
    readonly alarms: number;
  };
  /** The tiers the escalation policies name (the columns of `pages`), then any other tier paged. */
  readonly tiers: readonly string[];
  /** Every ISO week from the first change to the last, quiet weeks included. */
  readonly weeks: readonly WeekFigures[];
  readonly totals: PolicyFigures;
  /** Incidents still open (suppressed ones included) when the history ends. */
  readonly openAtEnd: number;
  /** The ten alarms with the most changes to ALARM (then by name). */
  readonly noisiest: readonly AlarmFigures[];
}

export const NOISIEST_ALARMS = 10;

const DAY_MS = 86_400_000;
const SIMULATION: Actor = { type: 'automation', name: 'policy-simulation' };

/** The ISO 8601 week of `ms` (UTC, weeks start on Monday, week 1 holds the year's first Thursday). */
export const isoWeek = (ms: number): string => {
  const day = Math.floor(ms / DAY_MS);
  const weekday = (new Date(day * DAY_MS).getUTCDay() + 6) % 7;
  const thursday = new Date((day - weekday + 3) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
};

/** Monday 00:00 UTC of the week holding `ms`. */
const weekStart = (ms: number): number => {
  const day = Math.floor(ms / DAY_MS);
  return (day - ((new Date(day * DAY_MS).getUTCDay() + 6) % 7)) * DAY_MS;
};

interface Counts {
  pages: Map<string, number>;
  opened: number;
  suppressed: number;
  duplicates: number;
  reopened: number;
  ignored: number;
}

const emptyCounts = (): Counts => ({
  pages: new Map(),
  opened: 0,
  suppressed: 0,
  duplicates: 0,
  reopened: 0,
  ignored: 0,
});

interface AlarmCounts {
  toAlarm: number;
  incidents: number;
  reopened: number;
  duplicates: number;
  pages: number;
}

/** The value of `key`, added by `create` when missing. */
const entry = <K, V>(map: Map<K, V>, key: K, create: () => V): V => {
  const found = map.get(key);
  if (found !== undefined) return found;
  const created = create();
  map.set(key, created);
  return created;
};

/** One dedup key's incident, as the simulation follows it. */
interface Tracked {
  incident: Incident;
  /** The alarm whose ALARM started the current firing: its pages are counted for it. */
  firingAlarm: string;
}

/** The tiers the policies name, in the order they first appear (P1 first). */
const policyTiers = (escalation: SimulationConfig['escalation']): string[] => [
  ...new Set(Object.values(escalation).flatMap((policy) => policy.steps.flatMap((step) => step.notify))),
];

/** Replays the history and counts what the policy would have done. */
export const simulatePolicy = (input: SimulationInput): PolicySimulationReport => {
  const { config } = input;
  const silences = input.silences ?? [];
  const policy: SignalPolicy = { reopenWindowMinutes: config.reopenWindowMinutes, resolveOnOk: true };
  const changes = input.changes
    .map((change, index) => ({ change, index, ms: Date.parse(change.at) }))
    .sort((a, b) => a.ms - b.ms || a.index - b.index);

  const weeks = new Map<string, Counts>();
  const totals = emptyCounts();
  const alarms = new Map<string, AlarmCounts>();
  const tracked = new Map<string, Tracked>();
  const severities = new Map<string, Severity>();
  let sequence = 0;

  const weekCounts = (ms: number): Counts => entry(weeks, isoWeek(ms), emptyCounts);
  const count = (ms: number, field: Exclude<keyof Counts, 'pages'>) => {
    weekCounts(ms)[field] += 1;
    totals[field] += 1;
  };
  const alarmCounts = (name: string): AlarmCounts =>
    entry(alarms, name, () => ({ toAlarm: 0, incidents: 0, reopened: 0, duplicates: 0, pages: 0 }));
  const page = (tier: string, ms: number, alarmName: string) => {
    const counts = weekCounts(ms);
    counts.pages.set(tier, (counts.pages.get(tier) ?? 0) + 1);
    totals.pages.set(tier, (totals.pages.get(tier) ?? 0) + 1);
    alarmCounts(alarmName).pages += 1;
  };

  /**
   * The pages of the current firing of `t`, which ends at `endMs`: tier 1 at once, then each step
   * due before the end (`inclusive`: at the end too, for an incident the history leaves open).
   */
  const pageFiring = (t: Tracked, endMs: number, inclusive: boolean) => {
    const { incident } = t;
    if (incident.suppressed) return;
    const since = incident.statusTimestamps.DETECTED ?? incident.createdAt;
    const sinceMs = Date.parse(since);
    const due = (ms: number) => ms < endMs || (inclusive && ms === endMs);
    if (!due(sinceMs)) return;
    for (const tier of firstTiers(config.escalation, incident.severity)) page(tier, sinceMs, t.firingAlarm);
    const view: EscalationView = {
      severity: incident.severity,
      open: true,
      acknowledged: false,
      since,
      pagedTiers: [],
    };
    for (const entry of escalationSchedule(config.escalation, null, view, new Date(endMs))) {
      const at = Date.parse(entry.at);
      if (entry.kind !== 'step' || !due(at) || !stillApplies(entry, view)) continue;
      for (const tier of entry.tiers) page(tier, at, t.firingAlarm);
    }
  };

  /**
   * What the lifecycle does to `t` up to `ms`: a suppression that ended meanwhile is moved on (another
   * window or silence begins at once), lifted from an incident that still fires (handled from then),
   * or closes an incident that recovered before it ended.
   */
  const settle = (t: Tracked, ms: number) => {
    for (;;) {
      const { suppressed } = t.incident;
      if (!suppressed) return;
      const untilMs = Date.parse(suppressed.until);
      if (untilMs > ms) return;
      const until = new Date(untilMs);
      const again = isOpen(t.incident.status)
        ? activeSuppression(t.incident.service, until, silences, config.maintenanceWindows)
        : undefined;
      if (again && Date.parse(again.until) > untilMs) t.incident = suppress(t.incident, again, until);
      else {
        t.incident = liftSuppression(t.incident, until, { actor: SIMULATION }).incident;
        if (!isOpen(t.incident.status)) return;
      }
    }
  };

  const severityOf = (alarmName: string, route: RouteDecision): Severity => {
    let severity = severities.get(alarmName);
    if (severity === undefined) {
      if (route.severity === null) throw new Error(`routing opens ${alarmName} with no severity`);
      severity = classifySeverity({}, route.severity, config.severityRules).severity;
      severities.set(alarmName, severity);
    }
    return severity;
  };

  let toAlarm = 0;
  let toOk = 0;
  let toInsufficientData = 0;
  for (const { change, ms } of changes) {
    if (change.state === 'INSUFFICIENT_DATA') {
      toInsufficientData += 1;
      continue;
    }
    const route = input.routes.get(change.alarmName);
    if (!route) throw new Error(`no routing decision for ${change.alarmName}`);
    if (change.state === 'OK') toOk += 1;
    else {
      toAlarm += 1;
      alarmCounts(change.alarmName).toAlarm += 1;
    }
    if (route.action === 'ignore') {
      if (change.state === 'ALARM') count(ms, 'ignored');
      continue;
    }
    const service = route.service ?? input.unmappedService;
    const signal: AlarmSignal = {
      alarmName: change.alarmName,
      state: change.state,
      at: change.at,
      service,
      ...(change.account ? { account: change.account } : {}),
      ...(change.region ? { region: change.region } : {}),
    };
    const key = dedupKey(
      { service, alarm: change.alarmName, account: change.account, region: change.region },
      config.dedupKey,
    );
    const now = new Date(ms);
    const current = tracked.get(key);
    if (current) settle(current, ms);

    if (change.state === 'OK') {
      if (!current || !isOpen(current.incident.status)) continue;
      const applied = applySignal(current.incident, signal, policy, now);
      if (applied.outcome === 'resolved') pageFiring(current, ms, false);
      if (applied.incident) current.incident = applied.incident;
      continue;
    }

    if (current && acceptsAlarm(current.incident, signal, policy)) {
      const applied = applySignal(current.incident, signal, policy, now);
      if (applied.outcome === 'duplicate') {
        count(ms, 'duplicates');
        alarmCounts(change.alarmName).duplicates += 1;
      }
      if (applied.outcome === 'reopened' && applied.incident) {
        count(ms, 'reopened');
        alarmCounts(change.alarmName).reopened += 1;
        const suppression = activeSuppression(service, now, silences, config.maintenanceWindows);
        current.incident = suppression
          ? applied.incident.suppressed?.until === suppression.until
            ? applied.incident
            : suppress(applied.incident, suppression, now)
          : endSuppression(applied.incident, now, { summary: 'reopened with no silence in force' });
        current.firingAlarm = change.alarmName;
        if (suppression) count(ms, 'suppressed');
      } else if (applied.incident) current.incident = applied.incident;
      continue;
    }

    sequence += 1;
    const severity = severityOf(change.alarmName, route);
    const opened = openIncident({
      id: `SIM-${sequence}`,
      dedupKey: key,
      signal,
      severity,
      severityReason: route.why.join('; '),
      title: `${service}: ${change.alarmName} in ALARM`,
      now,
    });
    const suppression = activeSuppression(service, now, silences, config.maintenanceWindows);
    tracked.set(key, {
      incident: suppression ? suppress(opened, suppression, now) : opened,
      firingAlarm: change.alarmName,
    });
    count(ms, 'opened');
    alarmCounts(change.alarmName).incidents += 1;
    if (suppression) count(ms, 'suppressed');
  }

  const first = changes[0];
  const last = changes.at(-1);
  let openAtEnd = 0;
  if (last) {
    for (const t of tracked.values()) {
      settle(t, last.ms);
      if (!isOpen(t.incident.status)) continue;
      openAtEnd += 1;
      pageFiring(t, last.ms, true);
    }
  }

  const tiers = policyTiers(config.escalation);
  for (const tier of totals.pages.keys()) if (!tiers.includes(tier)) tiers.push(tier);
  const figures = (counts: Counts): PolicyFigures => {
    const pages = Object.fromEntries(tiers.map((tier) => [tier, counts.pages.get(tier) ?? 0]));
    return {
      pages,
      pagesTotal: Object.values(pages).reduce((sum, n) => sum + n, 0),
      opened: counts.opened,
      suppressed: counts.suppressed,
      duplicates: counts.duplicates,
      reopened: counts.reopened,
      ignored: counts.ignored,
    };
  };
  const weekRows: WeekFigures[] = [];
  if (first && last) {
    for (let start = weekStart(first.ms); start <= last.ms; start += 7 * DAY_MS) {
      const week = isoWeek(start);
      weekRows.push({ week, ...figures(weeks.get(week) ?? emptyCounts()) });
    }
  }
  const noisiest = [...alarms.entries()]
    .filter(([, counts]) => counts.toAlarm > 0)
    .sort(([a, x], [b, y]) => y.toAlarm - x.toAlarm || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, NOISIEST_ALARMS)
    .map(([alarmName, counts]): AlarmFigures => {
      const route = input.routes.get(alarmName);
      return {
        alarmName,
        ...counts,
        route: {
          action: route?.action ?? 'open',
          rule: route?.rule ?? null,
          service: route?.service ?? null,
          severity: route?.action === 'open' ? (severities.get(alarmName) ?? route.severity) : null,
        },
      };
    });

  return {
    history: {
      from: first?.change.at ?? null,
      until: last?.change.at ?? null,
      stateChanges: changes.length,
      toAlarm,
      toOk,
      toInsufficientData,
      alarms: new Set(changes.map((c) => c.change.alarmName)).size,
    },
    tiers,
    weeks: weekRows,
    totals: figures(totals),
    openAtEnd,
    noisiest,
  };
};
