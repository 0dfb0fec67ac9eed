/**
 * Custom remediation actions (issue 15) carried out: the action the decision names, one run at a
 * time per action (a conditional lock in the incident table), reserved in the service's action log
 * like any automatic action, and every step on the timeline in words an on-call can read at 3 a.m.
 *
 * A run that cannot start because another incident holds the action's lock is `skipped` (the
 * workflow waits for recovery as after any refusal); a run that starts and does not succeed is
 * `failed` (the workflow pages a person with the reason). Only `http` actions run here so far.
 */
import type { ActionLockHolder } from '../adapters/action-lock';
import type { HttpActionApi } from '../adapters/http-action';
import { MITIGATION_OUTCOME } from '../contract/steps';
import { httpActionOutcome, httpActionRequest, lockExpiresAt } from '../domain/custom-actions';
import { IncidentNotFoundError, ValidationError } from '../domain/errors';
import type { Decision } from '../domain/evidence';
import type { Incident } from '../domain/incident';
import { describeAction } from '../domain/playbooks';
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
  /** The value of a Secrets Manager secret, by its ARN (cached by the caller). */
  readonly secret: (arn: string) => Promise<string>;
  /**
   * Per `http` action, where its calls go: the config's `baseUrl`, as the stack sets it in the
   * function's env (the sandbox points it at its loopback admin server). @default the config's
   */
  readonly httpBaseUrls?: Readonly<Record<string, string>>;
}

const hhmm = (iso: string) => iso.slice(11, 16);

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
  const ports = deps.actions;
  if (!ports)
    throw new Error(`action ${name}: the automation function was built without custom action ports`);
  if (action.type !== 'http') throw new Error(`action ${name}: ${action.type} actions are not supported yet`);
  const now = deps.clock();
  const startedAt = now.toISOString();
  const what = describeAction(decision, incident.service);
  const result = (outcome: MitigateResult['outcome'], reason?: string): MitigateResult => ({
    incidentId: incident.id,
    acted: outcome === MITIGATION_OUTCOME.acted,
    outcome,
    action: what,
    startedAt,
    ...(reason ? { reason } : {}),
  });
  const failed = async (reason: string) => {
    await note(deps, incident.id, `${name} failed: ${reason}; a person is paged`);
    return result(MITIGATION_OUTCOME.failed, `${name} failed: ${reason}`);
  };
  const skipped = async (reason: string) => {
    await note(deps, incident.id, `${name} not run: ${reason}; no action taken`);
    return result(MITIGATION_OUTCOME.skipped, reason);
  };

  let request: ReturnType<typeof httpActionRequest>;
  try {
    request = httpActionRequest(
      name,
      { ...action, baseUrl: ports.httpBaseUrls?.[name] ?? action.baseUrl },
      { id: incident.id, service: incident.service, severity: incident.severity },
    );
  } catch (error) {
    const why =
      error instanceof ValidationError
        ? error.problems.map((p) => `${p.path} ${p.message}`).join('; ')
        : errorText(error);
    return failed(`its request was not sent: ${why}`);
  }

  const holder = `${incident.id} ${startedAt}`;
  const timeoutMs = action.timeoutSeconds * 1000;
  if (!(await ports.locks.acquire(name, holder, now, lockExpiresAt(now, timeoutMs)))) {
    const held = await ports.locks.holder(name);
    return skipped(
      held
        ? `it is already running for ${held.holder.split(' ')[0]} (since ${hhmm(held.lockedAt)}, held at most until ${hhmm(held.lockedUntil)})`
        : 'another run held its lock a moment ago',
    );
  }
  try {
    const reservation = await reserveAction(deps, incident.id, incident.service, 'custom', now);
    if (!reservation.reserved) return await skipped(`refused at the last moment: ${reservation.why}`);
    await markStarted(deps, incident.id, 'custom', `${what} (${request.method} ${request.url})`);
    let status: number;
    try {
      ({ status } = await ports.http.call({
        ...request,
        timeoutMs,
        ...(action.authSecretArn
          ? { authorization: () => ports.secret(action.authSecretArn as string) }
          : {}),
      }));
    } catch (error) {
      return await failed(`${request.method} ${request.path} got no answer: ${errorText(error)}`);
    }
    const outcome = httpActionOutcome(status, action.expectedStatuses);
    if (!outcome.ok) return await failed(`${request.method} ${request.path} ${outcome.summary}`);
    await note(
      deps,
      incident.id,
      `${name} done: ${request.method} ${request.path} ${outcome.summary}; verifying recovery`,
    );
    return result(MITIGATION_OUTCOME.acted);
  } finally {
    await ports.locks.release(name, holder);
  }
};
