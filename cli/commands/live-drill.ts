/** `incident drill --live`: game day on a deployed stack (the drill itself is ../live-drill.ts). */

import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SFNClient } from '@aws-sdk/client-sfn';
import { createDocumentClient, IncidentStore } from '../../lambdas/adapters/incident-store';
import { alarmIndex } from '../../lambdas/contract/alarm-index';
import { loadConfig } from '../../lib/config/load';
import { DEFAULT_CONFIG, duration, type Io, type Parsed, UsageError } from '../args';
import { readStackOutputs, requireOutputs } from '../deployed-stack';
import { humanDuration } from '../format';
import { confirmationProblem, runLiveDrill } from '../live-drill';

const LIVE_POLL_MS = 5_000;

/** Refused before any AWS call unless --confirm repeats the alarm name. */
export const liveDrill = async (parsed: Parsed, io: Io): Promise<number> => {
  const { alarm, confirm, stack, region, scenario } = parsed.values;
  if (scenario) throw new UsageError('drill --live sets a real alarm; --scenario is for the sandbox drill');
  if (!alarm)
    throw new UsageError('drill --live needs --alarm NAME: a CloudWatch alarm the deployed stack watches');
  const refusal = confirmationProblem(alarm, confirm);
  if (refusal) throw new UsageError(refusal);
  if (!stack) throw new UsageError('drill --live runs on a deployed stack: give --stack NAME');
  const timeoutMs = await duration(parsed.values.timeout ?? '15m', '--timeout');
  const resolveAfter = parsed.values['resolve-after'];
  const resolveAfterMs =
    resolveAfter === undefined ? undefined : await duration(resolveAfter, '--resolve-after');
  if (timeoutMs <= 0) throw new UsageError('--timeout must be longer than zero, such as 15m');
  if (resolveAfterMs !== undefined && resolveAfterMs >= timeoutMs) {
    throw new UsageError(
      `--resolve-after (${resolveAfter}) must be shorter than --timeout (${humanDuration(timeoutMs)})`,
    );
  }
  // The config names the alarms the stack watches, when it is at hand; a drill does not need it.
  const configFile = parsed.values.config ?? DEFAULT_CONFIG;
  const watchedAlarms =
    parsed.values.config || existsSync(configFile)
      ? [...alarmIndex(loadConfig(configFile)).keys()]
      : undefined;
  const outputs = await readStackOutputs(stack, region);
  requireOutputs(stack, outputs, ['IncidentTableName', 'StateMachineArn']);
  const clientConfig = region ? { region } : {};
  const cloudwatch = new CloudWatchClient(clientConfig);
  const sfn = new SFNClient(clientConfig);
  const doc = createDocumentClient(clientConfig);
  try {
    const result = await runLiveDrill(
      {
        cloudwatch,
        sfn,
        store: new IncidentStore(doc, outputs.IncidentTableName ?? ''),
        stateMachineArn: outputs.StateMachineArn ?? '',
        clock: () => new Date(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        out: (line) => io.out(`${line}\n`),
        ...(watchedAlarms ? { watchedAlarms } : {}),
      },
      {
        alarmName: alarm,
        confirm,
        by: parsed.values.by ?? defaultOperator(),
        timeoutMs,
        pollMs: LIVE_POLL_MS,
        ...(resolveAfterMs !== undefined ? { resolveAfterMs } : {}),
      },
    );
    return result.timedOut ? 1 : 0;
  } finally {
    cloudwatch.destroy();
    sfn.destroy();
    doc.destroy();
  }
};

/** Who runs the drill, when --by is not given: the login name. */
const defaultOperator = (): string => {
  try {
    return userInfo().username;
  } catch {
    return 'operator';
  }
};
