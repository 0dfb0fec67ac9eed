/**
 * Custom remediation actions (issue 15) carried out: the action the decision names, one run at a
 * time per action (a conditional lock in the incident table), reserved in the service's action log
 * like any automatic action, and every step on the timeline in words an on-call can read at 3 a.m.
 *
 * Every run goes the same way: its request is rendered and checked (nothing is sent when a value
 * does not match its pattern: `failed`), the action's lock is taken (held by another incident:
 * `skipped`, and the workflow waits for recovery as after any refusal), the action is reserved in
 * the service's action log (the cooldown or the cap came first: `skipped`), and it runs. An `http`
 * call ends within its timeout (`acted` or `failed`); an `ssm-automation` runbook is started and
 * the workflow polls it (`running`, then automation-runs.ts) with its lock held until it ends; a
 * `lambda` function is invoked synchronously within its timeout (`acted`, or `failed` on a function
 * error).
 */
import type { ActionLockHolder } from '../adapters/action-lock';
import type { HttpActionApi } from '../adapters/http-action';
import type { LambdaActionApi } from '../adapters/lambda-action';
import type { AutomationApi } from '../adapters/ssm-automation';
import type { ActionConfig } from '../contract/config-schema-integrations';
import { MITIGATION_OUTCOME } from '../contract/steps';
import { httpActionOutcome, httpActionRequest, lockExpiresAt } from '../domain/custom-actions';
import { IncidentNotFoundError, ValidationError } from '../domain/errors';
import type { Decision } from '../domain/evidence';
import type { Incident } from '../domain/incident';
import { describeAction } from '../domain/playbooks';
import {
  AUTOMATION_POLL_SCHEDULE,
  automationPollSeconds,
  renderAutomationParameters,
} from '../domain/ssm-automation';
import { markStarted, reserveAction } from './action-log';
import { type AutomationDeps, errorText, note } from './automation';
import type { MitigateResult } from './mitigation';

/** The lock that keeps one run of an action at a time (ActionLocks over DynamoDB). */
export interface ActionLockApi {
  acquire(action: string, holder: string, now: Date, until: Date): Promise<boolean>;
  release(action: string, holder: string): Promise<boolean>;
  holder(action: string): Promise<ActionLockHolder | undefined>;
}

/** What custom actions run through; the automation entry builds them over the SDK, tests over stand-ins. */
export interface CustomActionPorts {
  readonly locks: ActionLockApi;
  readonly http: HttpActionApi;
  /** SSM Automation, for `ssm-automation` actions. @default none: such an action fails, naming this */
  readonly automation?: AutomationApi;
  /** Lambda, for `lambda` actions. @default none: such an action fails, naming this */
  readonly lambda?: LambdaActionApi;
  /** The value of a Secrets Manager secret, by its ARN (cached by the caller). */
  readonly secret: (arn: string) => Promise<string>;
  /**
   * Per `http` action, where its calls go: the config's `baseUrl`, as the stack sets it in the
   * function's env (the sandbox points it at its loopback admin server). @default the config's
   */
  readonly httpBaseUrls?: Readonly<Record<string, string>>;
}

const hhmm = (iso: string) => iso.slice(11, 16);

const problemsText = (error: unknown): string =>
  error instanceof ValidationError
    ? error.problems.map((p) => `${p.path} ${p.message}`).join('; ')
    : errorText(error);

/** One run of an action for an incident: its names and the results it can end with. */
export interface ActionRun {
  readonly deps: AutomationDeps;
  readonly ports: CustomActionPorts;
  readonly incidentId: string;
  readonly name: string;
  readonly what: string;
  readonly startedAt: string;
  readonly result: (outcome: MitigateResult['outcome'], extra?: Partial<MitigateResult>) => MitigateResult;
  readonly failed: (reason: string) => Promise<MitigateResult>;
}

export const actionRun = (
  deps: AutomationDeps,
  incidentId: string,
  name: string,
  what: string,
  startedAt: string,
): ActionRun => {
  const ports = deps.actions;
  if (!ports)
    throw new Error(`action ${name}: the automation function was built without custom action ports`);
  const result = (
    outcome: MitigateResult['outcome'],
    extra: Partial<MitigateResult> = {},
  ): MitigateResult => ({
    incidentId,
    acted: outcome === MITIGATION_OUTCOME.acted,
    outcome,
    action: what,
    startedAt,
    ...extra,
  });
  return {
    deps,
    ports,
    incidentId,
    name,
    what,
    startedAt,
    result,
    failed: async (reason) => {
      await note(deps, incidentId, `${name} failed: ${reason}; a person is paged`);
      return result(MITIGATION_OUTCOME.failed, { reason: `${name} failed: ${reason}` });
    },
  };
};

/** What one type of action does once its lock is held: what `started:` says, and the call itself. */
interface Prepared {
  /** The run's own bound, for the lock's expiry. */
  readonly boundMs: number;
  /** After `started: <action>`, e.g. "(POST https://admin.example.com/...)". */
  readonly detail: string;
  /** Carries it out; `keepLock` when it is still running (an automation the workflow polls). */
  readonly run: (holder: string) => Promise<{ readonly result: MitigateResult; readonly keepLock?: boolean }>;
}

const prepareHttp = (
  run: ActionRun,
  incident: Incident,
  action: Extract<ActionConfig, { type: 'http' }>,
): Prepared => {
  const request = httpActionRequest(
    run.name,
    { ...action, baseUrl: run.ports.httpBaseUrls?.[run.name] ?? action.baseUrl },
    { id: incident.id, service: incident.service, severity: incident.severity },
  );
  const timeoutMs = action.timeoutSeconds * 1000;
  const { authSecretArn } = action;
  return {
    boundMs: timeoutMs,
    detail: `(${request.method} ${request.url})`,
    run: async () => {
      let status: number;
      try {
        ({ status } = await run.ports.http.call({
          ...request,
          timeoutMs,
          ...(authSecretArn ? { authorization: () => run.ports.secret(authSecretArn) } : {}),
        }));
      } catch (error) {
        return {
          result: await run.failed(`${request.method} ${request.path} got no answer: ${errorText(error)}`),
        };
      }
      const outcome = httpActionOutcome(status, action.expectedStatuses);
      if (!outcome.ok)
        return { result: await run.failed(`${request.method} ${request.path} ${outcome.summary}`) };
      await note(
        run.deps,
        run.incidentId,
        `${run.name} done: ${request.method} ${request.path} ${outcome.summary}; verifying recovery`,
      );
      return { result: run.result(MITIGATION_OUTCOME.acted) };
    },
  };
};

/** The payload of a `lambda` action: each templated value rendered and matched whole against its pattern. */
const renderPayload = (
  name: string,
  action: Extract<ActionConfig, { type: 'lambda' }>,
  incident: Incident,
): Record<string, string> => {
  // Constant values have no pattern (the schema asks one of templated values only): any text passes.
  const patterns = Object.fromEntries(
    Object.keys(action.payload).map((k) => [k, action.payloadPatterns[k] ?? '[\\s\\S]*']),
  );
  try {
    const rendered = renderAutomationParameters(name, action.payload, patterns, {
      id: incident.id,
      service: incident.service,
      severity: incident.severity,
    });
    return Object.fromEntries(Object.entries(rendered).map(([k, v]) => [k, v[0] ?? '']));
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(
      error.subject,
      error.problems.map((p) => ({ ...p, path: p.path.replace(/^parameters\./, 'payload.') })),
    );
  }
};

const prepareLambda = (
  run: ActionRun,
  incident: Incident,
  action: Extract<ActionConfig, { type: 'lambda' }>,
): Prepared => {
  const payload = renderPayload(run.name, action, incident);
  const lambda = run.ports.lambda;
  if (!lambda) throw new Error(`action ${run.name}: the automation function has no Lambda port`);
  const timeoutMs = action.timeoutSeconds * 1000;
  const fn = action.functionArn.split(':').slice(6).join(':');
  return {
    boundMs: timeoutMs,
    detail: `(invoke function ${fn})`,
    run: async () => {
      let answer: Awaited<ReturnType<LambdaActionApi['invoke']>>;
      try {
        answer = await lambda.invoke(action.functionArn, payload, timeoutMs);
      } catch (error) {
        return { result: await run.failed(`invoking function ${fn} failed: ${errorText(error)}`) };
      }
      if (answer.functionError || answer.statusCode !== 200) {
        const why = answer.functionError
          ? `function ${fn} failed (${answer.functionError})${answer.errorMessage ? `: ${answer.errorMessage}` : ''}`
          : `invoking function ${fn} answered ${answer.statusCode}`;
        return { result: await run.failed(why) };
      }
      await note(run.deps, run.incidentId, `${run.name} done: function ${fn} returned; verifying recovery`);
      return { result: run.result(MITIGATION_OUTCOME.acted) };
    },
  };
};

const prepareRunbook = (
  run: ActionRun,
  incident: Incident,
  action: Extract<ActionConfig, { type: 'ssm-automation' }>,
): Prepared => {
  const parameters = renderAutomationParameters(run.name, action.parameters, action.parameterPatterns, {
    id: incident.id,
    service: incident.service,
    severity: incident.severity,
  });
  const automation = run.ports.automation;
  if (!automation) throw new Error(`action ${run.name}: the automation function has no SSM Automation port`);
  const version = action.documentVersion ?? '$DEFAULT';
  return {
    boundMs: action.timeoutMinutes * 60_000,
    detail: `(SSM Automation runbook ${action.documentName}:${version}, at most ${action.timeoutMinutes} min)`,
    run: async (holder) => {
      let executionId: string;
      try {
        executionId = await automation.start({
          documentName: action.documentName,
          ...(action.documentVersion ? { documentVersion: action.documentVersion } : {}),
          parameters,
          roleArn: action.roleArn,
          idempotencyKey: holder,
        });
      } catch (error) {
        return {
          result: await run.failed(
            `StartAutomationExecution of ${action.documentName} failed: ${errorText(error)}`,
          ),
        };
      }
      // The execution runs now: a failed note must not drop its id (nor give its lock back), or
      // nothing would follow or stop it; the poll's own entries record how it ends.
      await note(
        run.deps,
        run.incidentId,
        `${run.name}: automation execution ${executionId} started; checking it ${AUTOMATION_POLL_SCHEDULE}`,
      ).catch(() => undefined);
      return {
        keepLock: true,
        result: run.result(MITIGATION_OUTCOME.running, {
          waitSeconds: automationPollSeconds(0),
          automation: { action: run.name, executionId, holder, startedAt: run.startedAt },
        }),
      };
    },
  };
};

/** Runs the custom action `decision` names for `incident`, under its lock. */
export const runCustomAction = async (
  deps: AutomationDeps,
  incident: Incident,
  decision: Decision,
): Promise<MitigateResult> => {
  const name = decision.action ?? '';
  const action = deps.config.actions?.[name];
  if (!action)
    throw new IncidentNotFoundError(`the decision names action '${name}', which the config does not define`);
  const now = deps.clock();
  const run = actionRun(
    deps,
    incident.id,
    name,
    describeAction(decision, incident.service),
    now.toISOString(),
  );
  const skipped = async (reason: string) => {
    await note(deps, incident.id, `${name} not run: ${reason}; no action taken`);
    return run.result(MITIGATION_OUTCOME.skipped, { reason });
  };

  let prepared: Prepared;
  try {
    prepared =
      action.type === 'http'
        ? prepareHttp(run, incident, action)
        : action.type === 'lambda'
          ? prepareLambda(run, incident, action)
          : prepareRunbook(run, incident, action);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return run.failed(`its request was not sent: ${problemsText(error)}`);
  }

  const { locks } = run.ports;
  const holder = `${incident.id} ${run.startedAt}`;
  if (!(await locks.acquire(name, holder, now, lockExpiresAt(now, prepared.boundMs)))) {
    const held = await locks.holder(name);
    return skipped(
      held
        ? `it is already running for ${held.holder.split(' ')[0]} (since ${hhmm(held.lockedAt)}, held at most until ${hhmm(held.lockedUntil)})`
        : 'another run held its lock a moment ago',
    );
  }
  let keepLock = false;
  try {
    const reservation = await reserveAction(deps, incident.id, incident.service, 'custom', now);
    if (!reservation.reserved) return await skipped(`refused at the last moment: ${reservation.why}`);
    await markStarted(deps, incident.id, 'custom', `${run.what} ${prepared.detail}`);
    const done = await prepared.run(holder);
    keepLock = done.keepLock === true;
    return done.result;
  } finally {
    if (!keepLock) await locks.release(name, holder);
  }
};
