/**
 * The local sandbox: what `cdk deploy` ships, run on a laptop. The app is synthesized in-process from
 * the config; the state machines' definitions are turned into plain ASL and run by
 * aws-local-stepfunctions; every Task invokes the function's own bundle, the esbuild output the
 * asset holds (lambda-runtime.ts), with its environment from the template. The bundles' SDK clients
 * reach stand-ins on loopback: DynamoDB is dynalite, SNS a strict SNS-shaped server (pages land in an
 * outbox, protocol by protocol), S3 fauxqs, and ECS, CloudWatch, Logs, SSM, Step Functions callbacks
 * and Secrets Manager a JSON-protocol server answering from the simulated environment and the local
 * workflows. Time is simulated: a two-hour wait plays in milliseconds while the record's timestamps
 * read as real minutes.
 */
import type { IncidentMetricPoint } from '../lambdas/adapters/incident-metrics';
import type { DeploymentConfig } from '../lambdas/contract/config-schema';
import type { Incident } from '../lambdas/domain/incident';
import { reportKey } from '../lambdas/domain/report';
import type { Silence } from '../lambdas/domain/silences';
import type { IncidentService } from '../lambdas/services/incident-service';
import type { IntakeResult } from '../lambdas/services/intake';
import { markPostMortemDone } from '../lambdas/services/post-incident';
import {
  acknowledgeIncident,
  answerApproval,
  type ResponderDeps,
  resolveIncident,
} from '../lambdas/services/responders';
import { type SilenceDeps, setSilence } from '../lambdas/services/silences';
import type { HandlerName } from '../lib/constructs/incident-function';
import { bootSandbox, type SandboxOptions } from './boot';
import type { SimulatedEnvironment } from './environment';
import { metricsFromLogs } from './function-logs';
import type { FunctionLog } from './lambda-runtime';
import type { LocalDynamo } from './local-aws/dynalite';
import type { LocalAwsJson } from './local-aws/json-protocol';
import type { LocalResponder } from './local-aws/responder';
import type { LocalS3 } from './local-aws/s3';
import type { SimulatedAws } from './local-aws/simulated-aws';
import type { LocalSns } from './local-aws/sns';
import type { TicketServer } from './local-aws/ticket-server';
import {
  type DeliveryRecord,
  type ExecutionSummary,
  FailedExecutionsError,
  summarizeExecutions,
} from './outcomes';
import type { LocalExecution, LocalWorkflow } from './sfn-local/local-runner';
import type { SimClock } from './sfn-local/sim-clock';
import type { TaskTokenBroker } from './sfn-local/task-token-broker';
import { recordCoverage } from './state-coverage';
import type { WebhookStandIns } from './webhook-stand-ins';

export { type Fault, InjectedFault, type SandboxOptions } from './boot';
export { type DeliveryRecord, type ExecutionSummary, FailedExecutionsError } from './outcomes';
export { synthesizeTemplate } from './synth';

let liveSandboxes = 0;

export class Sandbox {
  readonly deliveries: DeliveryRecord[] = [];
  private readonly byExecution = new Map<string, DeliveryRecord>();

  private constructor(
    readonly config: DeploymentConfig,
    readonly clock: SimClock,
    readonly env: SimulatedEnvironment,
    /** The simulated ECS, CloudWatch, Logs and SSM: `aws.killSwitch` is the kill switch's value. */
    readonly aws: SimulatedAws,
    readonly dynamo: LocalDynamo,
    readonly sns: LocalSns,
    readonly broker: TaskTokenBroker,
    readonly incidents: IncidentService,
    private readonly responders: Required<ResponderDeps>,
    private readonly workflow: LocalWorkflow,
    private readonly escalationWorkflow: LocalWorkflow,
    private readonly postMortemWorkflow: LocalWorkflow,
    /** The responder endpoint on loopback: page links point at `responder.baseUrl`. */
    readonly responder: LocalResponder,
    /** The report bucket's stand-in. */
    readonly s3: LocalS3,
    /** The ticket API's stand-in (what it received, the issues it holds), when the config has `tickets`. */
    readonly tickets: TicketServer | undefined,
    /** The webhook receiver and the SQS stand-in (the dead letters), when the config has `webhooks`. */
    readonly webhooks: WebhookStandIns | undefined,
    private readonly invokeFunction: (handler: HandlerName, event: unknown) => Promise<unknown>,
    /** What the functions wrote through console (Powertools logs, EMF metrics), oldest first. */
    readonly functionLogs: readonly FunctionLog[],
    private readonly silenceDeps: SilenceDeps,
    private readonly localAws: LocalAwsJson,
    private readonly savedEnv: NodeJS.ProcessEnv,
    private readonly releaseFunctions: () => void,
    private readonly allowFailedExecutions: boolean,
    /** The custom actions' loopback stand-ins: the admin API (`http`) and Lambda (`lambda`). */
    private readonly actionStandIns: ReadonlyArray<{ stop(): Promise<void> }>,
  ) {}

  static async start(options: SandboxOptions): Promise<Sandbox> {
    // The bundles' SDK clients read their endpoints from process.env, which one process has once.
    if (liveSandboxes > 0)
      throw new Error(
        'another sandbox is running in this process: stop it first (one at a time per process)',
      );
    liveSandboxes++;
    try {
      return await Sandbox.boot(options);
    } catch (error) {
      liveSandboxes--;
      throw error;
    }
  }

  private static async boot(options: SandboxOptions): Promise<Sandbox> {
    const sandbox: { value?: Sandbox } = {};
    const p = await bootSandbox(options, (executionId, result) =>
      sandbox.value?.noteIntake(executionId, result),
    );
    sandbox.value = new Sandbox(
      p.config,
      p.clock,
      p.env,
      p.aws,
      p.dynamo,
      p.sns,
      p.broker,
      p.incidents,
      p.responders,
      p.workflow,
      p.escalationWorkflow,
      p.postMortemWorkflow,
      p.responder,
      p.s3,
      p.tickets,
      p.webhooks,
      p.invoke,
      p.functionLogs,
      p.silenceDeps,
      p.localAws,
      p.savedEnv,
      p.releaseFunctions,
      p.allowFailedExecutions,
      [p.admin, p.lambda].filter((s) => s !== undefined),
    );
    return sandbox.value;
  }

  /** Delivers one event as EventBridge would: it starts an execution of the lifecycle workflow. */
  deliver(event: unknown): DeliveryRecord {
    const execution = this.workflow.start(event);
    const record: DeliveryRecord = { event, executionId: execution.id, status: 'RUNNING' };
    this.deliveries.push(record);
    this.byExecution.set(execution.id, record);
    execution.result.then(
      () => {
        record.status = 'SUCCEEDED';
      },
      (error: unknown) => {
        record.status = 'FAILED';
        record.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      },
    );
    return record;
  }

  /** Lets every execution run until it waits for something later than `until` (or for nothing). */
  async settle(until?: Date): Promise<void> {
    await this.clock.settle(until ? { until } : {});
  }

  /** A person acknowledges, as `incident ack` and the page link do; everyone paged hears it. */
  acknowledge(incidentId: string, by: string): Promise<Incident> {
    return acknowledgeIncident(this.responders, incidentId, by);
  }

  /** A person resolves, as `incident resolve` and the page link do: a waiting workflow resumes. */
  resolve(incidentId: string, by: string): Promise<Incident> {
    return resolveIncident(this.responders, incidentId, by);
  }

  /** A responder approves or denies the action waiting for approval, as `incident approve|deny` does. */
  answerApproval(
    incidentId: string,
    approve: boolean,
    by: string,
  ): Promise<{ incidentId: string; approved: boolean }> {
    return answerApproval(this.responders, incidentId, approve, by);
  }

  /** Silences a service, as `incident silence` does: its alarms are recorded and page nobody until it expires. */
  silence(service: string, forText: string, reason: string, by: string): Promise<Silence> {
    return setSilence(this.silenceDeps, { service, forText, reason, by });
  }

  /** A person marks the post-mortem done, as `incident postmortem ID --done` does: the incident closes. */
  completePostMortem(incidentId: string, doc: string, by: string): Promise<Incident> {
    return markPostMortemDone(
      { incidents: this.incidents, reports: this.s3.reports, clock: () => this.clock.now() },
      incidentId,
      { doc, by },
    );
  }

  /** The incident's report as stored in the report bucket's stand-in, if written. */
  async report(incidentId: string): Promise<string | undefined> {
    const incident = await this.incident(incidentId);
    return incident ? this.s3.reports.get(reportKey(incident)) : undefined;
  }

  /**
   * Invokes a function's bundle outside any workflow, such as a lifecycle step once more, as Step
   * Functions does when it retries a Task whose first invocation's answer was lost.
   */
  invoke(handler: HandlerName, event: unknown): Promise<unknown> {
    return this.invokeFunction(handler, event);
  }

  /** An execution this sandbox started, with the states it entered: what the bench counts. */
  execution(id: string): LocalExecution | undefined {
    return this.workflow.execution(id);
  }

  /** Executions of the child workflows the lifecycle starts (escalation policy, post-mortem reminders). */
  childExecutions(workflow: 'escalation' | 'postmortem'): LocalExecution[] {
    return (workflow === 'escalation' ? this.escalationWorkflow : this.postMortemWorkflow).executions();
  }

  async incident(id: string): Promise<Incident | undefined> {
    return this.dynamo.store.getIncident(id);
  }

  /** Every metric the functions emitted, read back from their EMF log lines. */
  get metrics(): { readonly records: readonly IncidentMetricPoint[] } {
    return { records: metricsFromLogs(this.functionLogs) };
  }

  /** How every execution of every workflow has ended so far. */
  executionSummary(): ExecutionSummary {
    return summarizeExecutions([
      ['lifecycle', this.workflow],
      ['escalation', this.escalationWorkflow],
      ['postmortem', this.postMortemWorkflow],
    ]);
  }

  async stop(): Promise<void> {
    const { failures } = this.executionSummary();
    recordCoverage({
      lifecycle: this.workflow.executions(),
      escalation: this.escalationWorkflow.executions(),
      postmortem: this.postMortemWorkflow.executions(),
    });
    this.workflow.stopAll();
    this.escalationWorkflow.stopAll();
    this.postMortemWorkflow.stopAll();
    await this.responder.stop();
    await this.tickets?.stop();
    for (const standIn of this.actionStandIns) await standIn.stop();
    await this.webhooks?.stop();
    await this.localAws.stop();
    await this.s3.stop();
    await this.sns.stop();
    await this.dynamo.stop();
    this.releaseFunctions();
    for (const key of Object.keys(process.env)) if (!(key in this.savedEnv)) delete process.env[key];
    Object.assign(process.env, this.savedEnv);
    liveSandboxes--;
    if (failures.length > 0 && !this.allowFailedExecutions)
      throw new FailedExecutionsError(
        `${failures.length} execution(s) did not succeed:\n  ${failures.map((f) => `${f.workflow} ${f.name}: ${f.error}`).join('\n  ')}`,
      );
  }

  private noteIntake(executionId: string, result: IntakeResult): void {
    const record = this.byExecution.get(executionId);
    if (record) record.intake = result;
  }
}
