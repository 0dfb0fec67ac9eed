/**
 * The live drill (game day): sets a real CloudWatch alarm of a deployed stack to ALARM, then follows
 * what the real system does with it (the workflow execution, the incident, its timeline) until the
 * incident is resolved or the time is up. It pages real people, so it refuses to start unless the
 * operator repeats the alarm name with `--confirm`.
 */
import {
  type CloudWatchClient,
  DescribeAlarmsCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeExecutionCommand,
  type ExecutionListItem,
  ListExecutionsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { IncidentStore } from '../lambdas/adapters/incident-store';
import { IncidentError } from '../lambdas/domain/errors';
import type { Incident, TimelineEntry } from '../lambdas/domain/incident';
import { humanDuration } from './format';

/** Refused before anything was called on AWS. */
export class LiveDrillRefusedError extends IncidentError {}

/** The drill could not run: no such alarm, or an AWS call failed. */
export class LiveDrillError extends IncidentError {}

export interface LiveDrillDeps {
  readonly cloudwatch: CloudWatchClient;
  readonly sfn: SFNClient;
  readonly store: IncidentStore;
  /** The lifecycle workflow the stack's EventBridge rule starts (stack output `StateMachineArn`). */
  readonly stateMachineArn: string;
  readonly clock: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly out: (line: string) => void;
  /** The alarm names the config watches, when the config is at hand. @default unknown: no check */
  readonly watchedAlarms?: readonly string[];
}

export interface LiveDrillInput {
  readonly alarmName: string;
  /** Must equal `alarmName`: the operator's proof that they mean to page real people. */
  readonly confirm?: string;
  readonly by: string;
  readonly timeoutMs: number;
  readonly pollMs: number;
  /** Set the alarm back to OK this long after the drill set it to ALARM. @default left to CloudWatch */
  readonly resolveAfterMs?: number;
}

export interface LiveDrillResult {
  readonly incidentId?: string;
  readonly executionArn?: string;
  readonly finalStatus?: string;
  readonly timedOut: boolean;
}

/**
 * Our clock and AWS's may disagree a little: an execution or incident stamped up to this much before
 * the drill set the alarm still counts as the drill's.
 */
const CLOCK_SKEW_MS = 30_000;

/** Why the drill must not start, or undefined when `confirm` repeats the alarm name. */
export const confirmationProblem = (alarmName: string, confirm: string | undefined): string | undefined => {
  const why =
    `a live drill sets the real alarm "${alarmName}" to ALARM on the deployed stack: ` +
    'it pages the real people on call and may start automatic actions on the service';
  if (confirm === undefined) {
    return `refused: ${why}. To go ahead, repeat the alarm name: --confirm ${alarmName}`;
  }
  if (confirm !== alarmName) {
    return `refused: --confirm "${confirm}" does not match --alarm "${alarmName}"; ${why}. To go ahead: --confirm ${alarmName}`;
  }
  return undefined;
};

export const liveDrillReason = (by: string): string =>
  `Live drill (game day) by ${by}: incident drill --live`;

const clockTime = (d: Date): string => `${d.toISOString().slice(11, 19)} UTC`;

/** `+01:05 10:04:07` : minutes and seconds since the drill set the alarm, and the entry's UTC time. */
const since = (iso: string, start: Date): string => {
  const seconds = Math.max(0, Math.round((Date.parse(iso) - start.getTime()) / 1000));
  const mm = String(Math.floor(seconds / 60)).padStart(2, '0');
  const ss = String(seconds % 60).padStart(2, '0');
  return `+${mm}:${ss} ${iso.slice(11, 19)}`;
};

export const formatLiveEntry = (e: TimelineEntry, start: Date): string =>
  `  ${since(e.at, start)}  ${e.kind.padEnd(12)} ${`${e.actor.type}:${e.actor.name}`.padEnd(28)} ${e.summary}`;

/** The alarm name an execution's input carries: an EventBridge alarm event, or a Lambda alarm action. */
const alarmNameIn = (input: string | undefined): string | undefined => {
  if (!input) return undefined;
  try {
    const event = JSON.parse(input) as {
      detail?: { alarmName?: unknown };
      alarmData?: { alarmName?: unknown };
    };
    const name = event?.detail?.alarmName ?? event?.alarmData?.alarmName;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
};

const aws = async <T>(what: string, call: Promise<T>): Promise<T> => {
  try {
    return await call;
  } catch (error) {
    const e = error as Error;
    throw new LiveDrillError(`${what} failed: ${e.name}: ${e.message}`, { cause: error });
  }
};

const isDone = (incident: Incident | undefined) =>
  incident?.status === 'RESOLVED' || incident?.status === 'CLOSED';

/**
 * Runs the live drill. Polls every `pollMs` (through `deps.sleep`, so a test drives the time) until
 * the incident is RESOLVED or CLOSED, or `timeoutMs` after the alarm was set.
 * @throws LiveDrillRefusedError unless `confirm === alarmName`, before any AWS call
 * @throws LiveDrillError when the alarm does not exist, is already in ALARM, or an AWS call fails
 */
export const runLiveDrill = async (deps: LiveDrillDeps, input: LiveDrillInput): Promise<LiveDrillResult> => {
  const refusal = confirmationProblem(input.alarmName, input.confirm);
  if (refusal) throw new LiveDrillRefusedError(refusal);
  const { alarmName } = input;
  const { out } = deps;

  const described = await aws(
    'DescribeAlarms',
    deps.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
    ),
  );
  const alarm = described.MetricAlarms?.[0] ?? described.CompositeAlarms?.[0];
  if (!alarm) {
    throw new LiveDrillError(
      `no alarm named "${alarmName}" in this account and region: check --alarm and --region`,
    );
  }
  const previousState = alarm.StateValue ?? 'unknown';
  if (previousState === 'ALARM') {
    throw new LiveDrillError(
      `"${alarmName}" is already in ALARM, so setting it again would change nothing and start no workflow; its incident is probably open already (incident list --open). Drill with an alarm that is OK.`,
    );
  }
  out(`Live drill on ${alarmName} (now ${previousState}), by ${input.by}.`);
  if (deps.watchedAlarms && !deps.watchedAlarms.includes(alarmName)) {
    out(
      `Note: ${alarmName} is not one of the alarms the config watches; the stack opens an incident for it only if unmappedAlarms.action is "open".`,
    );
  }

  const start = deps.clock();
  await aws(
    'SetAlarmState ALARM',
    deps.cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: alarmName,
        StateValue: 'ALARM',
        StateReason: liveDrillReason(input.by),
      }),
    ),
  );
  out(`${clockTime(start)}  set ${alarmName} to ALARM; following the workflow and the incident`);
  out('');

  const notBefore = start.getTime() - CLOCK_SKEW_MS;
  const deadline = start.getTime() + input.timeoutMs;
  const checked = new Set<string>();
  let execution: ExecutionListItem | undefined;
  let executionEnded: string | undefined;
  let incident: Incident | undefined;
  let printedSeq = 0;
  let resolvedByDrill = false;

  const findExecution = async (): Promise<ExecutionListItem | undefined> => {
    const { executions = [] } = await aws(
      'ListExecutions',
      deps.sfn.send(new ListExecutionsCommand({ stateMachineArn: deps.stateMachineArn, maxResults: 20 })),
    );
    const recent = executions
      .filter((e) => e.executionArn && (e.startDate?.getTime() ?? 0) >= notBefore)
      .sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0));
    for (const candidate of recent) {
      const arn = candidate.executionArn ?? '';
      if (checked.has(arn)) continue;
      checked.add(arn);
      const { input: executionInput } = await aws(
        'DescribeExecution',
        deps.sfn.send(new DescribeExecutionCommand({ executionArn: arn })),
      );
      if (alarmNameIn(executionInput) === alarmName) return candidate;
    }
    return undefined;
  };

  const findIncident = async (): Promise<Incident | undefined> => {
    const recent = await deps.store.listRecent(25);
    return recent
      .filter((i) => i.alarmName === alarmName && Date.parse(i.createdAt) >= notBefore)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
  };

  for (;;) {
    if (!execution) {
      execution = await findExecution();
      if (execution) out(`  workflow execution ${execution.name} started (${execution.executionArn})`);
    } else if (!incident && !executionEnded) {
      const { status } = await aws(
        'DescribeExecution',
        deps.sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn ?? '' })),
      );
      if (status && status !== 'RUNNING') executionEnded = status;
    }
    incident = incident ? await deps.store.getIncident(incident.id) : await findIncident();
    if (incident) {
      if (printedSeq === 0) out(`  incident ${incident.id} ${incident.severity} on ${incident.service}`);
      for (const entry of incident.timeline.filter((e) => e.seq > printedSeq)) {
        out(formatLiveEntry(entry, start));
        printedSeq = entry.seq;
      }
    }
    if (isDone(incident)) break;
    if (incident?.suppressed) {
      out(
        `  ${incident.id} is suppressed until ${incident.suppressed.until} (${incident.suppressed.reason}): nobody is paged before then; lift the silence (incident unsilence ${incident.service}) or drill outside the window`,
      );
      break;
    }
    if (executionEnded && !incident) {
      out(
        `  the workflow execution ended ${executionEnded} without an incident for ${alarmName}: the alarm may be silenced, in a maintenance window, or ignored as unmapped (see the execution in the Step Functions console)`,
      );
      break;
    }
    const now = deps.clock();
    if (
      input.resolveAfterMs !== undefined &&
      !resolvedByDrill &&
      now.getTime() >= start.getTime() + input.resolveAfterMs
    ) {
      await aws(
        'SetAlarmState OK',
        deps.cloudwatch.send(
          new SetAlarmStateCommand({
            AlarmName: alarmName,
            StateValue: 'OK',
            StateReason: `${liveDrillReason(input.by)} (--resolve-after ${humanDuration(input.resolveAfterMs)})`,
          }),
        ),
      );
      resolvedByDrill = true;
      out(`  ${clockTime(now)}  set ${alarmName} back to OK (--resolve-after)`);
    }
    if (now.getTime() >= deadline) break;
    await deps.sleep(Math.min(input.pollMs, Math.max(0, deadline - now.getTime())));
  }

  const timedOut = !isDone(incident) && !incident?.suppressed && !(executionEnded && !incident);
  out('');
  if (timedOut) {
    out(
      `Timed out after ${humanDuration(input.timeoutMs)}: ${
        !execution
          ? `no workflow execution for ${alarmName} started on ${deps.stateMachineArn}; check the stack's EventBridge rule and that the alarm's state changed`
          : !incident
            ? `the workflow ${execution.name} is running but no incident for ${alarmName} is in the table yet`
            : `incident ${incident.id} is still ${incident.status}; it stays open until the alarm returns to OK or someone resolves it (incident resolve ${incident.id} --by NAME --stack STACK)`
      }.`,
    );
  }
  const pages = incident?.timeline.filter((e) => e.kind === 'page') ?? [];
  const firstPage = pages[0];
  out(
    [
      `Live drill on ${alarmName}: ${incident ? `incident ${incident.id} ${incident.status}` : 'no incident'}`,
      `  pages sent ${pages.length}${incident && incident.pagedTiers.length > 0 ? ` (${incident.pagedTiers.join(', ')})` : ''}`,
      `  time to first page ${firstPage ? humanDuration(Date.parse(firstPage.at) - start.getTime()) : '-'}`,
      ...(execution ? [`  execution ${execution.executionArn}`] : []),
    ].join('\n'),
  );
  if (!resolvedByDrill) {
    out(
      `The drill left ${alarmName} in ALARM: CloudWatch moves it back on its own at the alarm's next evaluation when the metric is healthy.`,
    );
  } else {
    out(
      `The drill set ${alarmName} back to OK; CloudWatch re-evaluates it at its next period and sets the state the metric calls for.`,
    );
  }
  return {
    ...(incident ? { incidentId: incident.id, finalStatus: incident.status } : {}),
    ...(execution?.executionArn ? { executionArn: execution.executionArn } : {}),
    timedOut,
  };
};
