import { randomBytes, randomUUID } from 'node:crypto';
import { SFNClient } from '@aws-sdk/client-sfn';
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
import { SnsPager } from '../lambdas/adapters/pager';
import { SfnCallbacks } from '../lambdas/adapters/workflow-callbacks';
import { SfnWorkflowStarter } from '../lambdas/adapters/workflow-starter';
import type { DeploymentConfig } from '../lambdas/contract/config-schema';
import type { Incident } from '../lambdas/domain/incident';
import { reportKey } from '../lambdas/domain/report';
import type { Silence } from '../lambdas/domain/silences';
import { IncidentService } from '../lambdas/services/incident-service';
import type { IntakeResult } from '../lambdas/services/intake';
import { type LifecycleDeps, pageTiers } from '../lambdas/services/lifecycle';
import { markPostMortemDone } from '../lambdas/services/post-incident';
import { handleResponderRequest } from '../lambdas/services/responder-endpoint';
import { acknowledgeIncident, answerApproval, resolveIncident } from '../lambdas/services/responders';
import { type SilenceDeps, setSilence, suppressionFor } from '../lambdas/services/silences';
import { parseConfig } from '../lib/config/load';
import { STATES } from '../lib/constructs/lifecycle-workflow';
import { SimulatedEnvironment } from './environment';
import { metricsFromLogs } from './function-logs';
import { type FunctionLog, type LoadedFunction, loadFunction } from './lambda-runtime';
import { type LocalDynamo, startLocalDynamo } from './local-aws/dynalite';
import { type AwsFaults, LocalAwsJson } from './local-aws/json-protocol';
import { type LocalResponder, startLocalResponder } from './local-aws/responder';
import { LocalS3 } from './local-aws/s3';
import { SimulatedAws } from './local-aws/simulated-aws';
import { LocalSns } from './local-aws/sns';
import {
  aslFromTemplate,
  type CfnTemplateJson,
  resolveTemplateString,
  SANDBOX_ACCOUNT,
  SANDBOX_REGION,
} from './sfn-local/asl';
import { type LocalExecution, type LocalHandler, LocalWorkflow } from './sfn-local/local-runner';
import { SimClock } from './sfn-local/sim-clock';
import { TaskTokenBroker } from './sfn-local/task-token-broker';
import {
  childStarter,
  functionsOf,
  localNames,
  secretsManagerService,
  stepFunctionsService,
} from './stack-stand-ins';
import { recordCoverage } from './state-coverage';
import { synthesizeTemplate } from './synth';

export { synthesizeTemplate } from './synth';

const LOCAL_CLIENT = {
  region: SANDBOX_REGION,
  credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
};

let liveSandboxes = 0;

const stateMachineArn = (name: string) =>
  `arn:aws:states:${SANDBOX_REGION}:${SANDBOX_ACCOUNT}:stateMachine:${name}`;

/** A fault injected into one workflow Task, for drills of the failure paths. */
export type Fault = 'throw' | 'timeout';

export interface SandboxOptions {
  /** Raw deployment config (validated here, as `cdk synth` does). */
  readonly config: unknown;
  /** Simulated time at start. @default the real time now */
  readonly start?: Date;
  /** Faults by state name, e.g. `{ Diagnose: 'throw' }`. @default none */
  readonly faults?: Readonly<Record<string, Fault>>;
  /** Where dynalite keeps the table; in memory when undefined. @default undefined */
  readonly dbPath?: string;
  /** Errors the simulated AWS APIs throw, by command, e.g. `{ GetMetricData: 'AccessDeniedException' }`. @default none */
  readonly awsFaults?: AwsFaults;
  /**
   * Whether an execution may end other than SUCCEEDED: otherwise `stop()` fails, naming each, since a
   * failed execution is a path that fails on AWS too. @default true with `faults`, false without
   */
  readonly allowFailedExecutions?: boolean;
}

/** How the executions of every workflow the sandbox ran have ended. */
export interface ExecutionSummary {
  /** Per workflow, how many executions ended how (RUNNING: still waiting). */
  readonly byWorkflow: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly failures: ReadonlyArray<{
    readonly workflow: string;
    readonly name: string;
    readonly error: string;
  }>;
}

/** Executions ended other than SUCCEEDED in a sandbox that did not allow it. */
export class FailedExecutionsError extends Error {
  override readonly name = 'FailedExecutionsError';
}

/** Why an execution ended: the first state that failed (the cause) and how the execution ended. */
type ExecutionEventWithError = { readonly error: string; readonly cause: string };

const lastError = (events: LocalExecution['events']): string => {
  const first = events.find(
    (e): e is Extract<LocalExecution['events'][number], { type: 'StateFailed' }> => e.type === 'StateFailed',
  );
  const end = [...events]
    .reverse()
    .find(
      (e): e is ExecutionEventWithError & LocalExecution['events'][number] => 'error' in e && !('state' in e),
    );
  const describe = (e: ExecutionEventWithError | undefined) => (e ? `${e.error}: ${e.cause}` : '');
  return (
    [first ? `${first.state} failed with ${describe(first)}` : '', describe(end)]
      .filter(Boolean)
      .join('; then ') || 'no error recorded'
  );
};

/** What one delivered event became. */
export interface DeliveryRecord {
  readonly event: unknown;
  readonly executionId: string;
  /** The intake's verdict, once RecordSignal ran. */
  intake?: IntakeResult;
  /** How the execution ended: SUCCEEDED, FAILED, or RUNNING while it waits. */
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  error?: string;
}

/** Error name of an injected `throw` fault; it is not transient, so no retry hides it. */
export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
}

/** The logical id of the one state machine whose name ends with `suffix`. */
const stateMachineId = (template: CfnTemplateJson, suffix: string): string => {
  const resources = template.Resources as Record<
    string,
    { Type?: string; Properties?: { StateMachineName?: unknown } }
  >;
  const ids = Object.entries(resources)
    .filter(
      ([, r]) =>
        r.Type === 'AWS::StepFunctions::StateMachine' &&
        String(r.Properties?.StateMachineName ?? '').endsWith(suffix),
    )
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one state machine named *${suffix}, found ${ids.length}`);
  return ids[0] as string;
};

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
    private readonly callbacks: SfnCallbacks,
    private readonly workflow: LocalWorkflow,
    private readonly escalationWorkflow: LocalWorkflow,
    private readonly postMortemWorkflow: LocalWorkflow,
    /** The responder endpoint on loopback: page links point at `responder.baseUrl`. */
    readonly responder: LocalResponder,
    private readonly lifecycleDeps: LifecycleDeps,
    /** The report bucket's stand-in. */
    readonly s3: LocalS3,
    /** What the functions wrote through console (Powertools logs, EMF metrics), oldest first. */
    readonly functionLogs: readonly FunctionLog[],
    private readonly silenceDeps: SilenceDeps,
    private readonly localAws: LocalAwsJson,
    private readonly savedEnv: NodeJS.ProcessEnv,
    private readonly allowFailedExecutions: boolean,
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
    const config = parseConfig(options.config, 'sandbox config');
    const template = synthesizeTemplate(config);
    const machine = aslFromTemplate(template, {
      stateMachineLogicalId: stateMachineId(template, '-lifecycle'),
    });
    const escalationMachine = aslFromTemplate(template, {
      stateMachineLogicalId: stateMachineId(template, '-escalation'),
    });
    const postMortemMachine = aslFromTemplate(template, {
      stateMachineLogicalId: stateMachineId(template, '-postmortem'),
    });
    const clock = new SimClock({ start: options.start ?? new Date() });
    const now = () => clock.now();
    const broker = new TaskTokenBroker(clock);
    const responder = await startLocalResponder();
    // The stack's resources as the sandbox's stand-ins name them: the functions' env resolves to these.
    const names = localNames(template, responder.baseUrl);
    const dynamo = await startLocalDynamo(names.tableName, options.dbPath);
    const sns = await LocalSns.start(
      Object.fromEntries(
        Object.entries(LocalSns.topicsFor(config.contacts)).map(([tier, topic]) => [
          tier,
          { ...topic, arn: names.topicArn(tier), displayName: names.displayName(names.topicArn(tier)) },
        ]),
      ),
      { now },
    );
    const s3 = await LocalS3.start(names.bucketName);
    const incidents = new IncidentService(
      dynamo.store,
      { dedupFields: config.dedupKey, reopenWindowMinutes: config.reopenWindowMinutes, resolveOnOk: true },
      now,
    );
    const env = new SimulatedEnvironment(config, now);
    const aws = new SimulatedAws(env);
    const silences: SilenceDeps = { store: dynamo.store, config, clock: now, newId: () => randomUUID() };
    const children: Record<'escalation' | 'postmortem', { workflow?: LocalWorkflow }> = {
      escalation: {},
      postmortem: {},
    };
    const starters = {
      escalation: childStarter(clock, children.escalation, escalationMachine.stateMachineName),
      postmortem: childStarter(clock, children.postmortem, postMortemMachine.stateMachineName),
    };
    // The responder endpoint on loopback: pages carry real links to it, signed with a per-sandbox secret.
    const secret = randomBytes(48).toString('base64url');
    const localAws = await LocalAwsJson.start(
      [
        ...aws.services(),
        stepFunctionsService(broker, Object.values(starters)),
        secretsManagerService(names.secretArn, secret),
      ],
      options.awsFaults,
    );
    // The CLI's paths (acknowledge, resolve, approve) call Step Functions through the same adapters.
    const sfn = new SFNClient({ ...LOCAL_CLIENT, endpoint: localAws.endpoint });
    const callbacks = new SfnCallbacks(sfn);
    const functionLogs: FunctionLog[] = [];
    const savedEnv = { ...process.env };
    Object.assign(process.env, {
      AWS_REGION: SANDBOX_REGION,
      AWS_DEFAULT_REGION: SANDBOX_REGION,
      AWS_ACCESS_KEY_ID: 'sandbox',
      AWS_SECRET_ACCESS_KEY: 'sandbox',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Whatever is not served on loopback fails at once instead of reaching out.
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SNS: sns.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      ...localAws.endpointEnv(),
      // Powertools logs and EMF go through console, which the sandbox captures per invocation (dev
      // mode would also turn metrics off: they stay on).
      POWERTOOLS_DEV: 'true',
      POWERTOOLS_METRICS_DISABLED: 'false',
    });
    const functions = new Map<string, LoadedFunction>();
    for (const fn of functionsOf(template)) {
      functions.set(
        fn.logicalId,
        await loadFunction({
          name: fn.handler,
          functionName: fn.logicalId,
          config,
          env: Object.fromEntries(
            Object.entries(fn.environment).map(([key, value]) => [
              key,
              resolveTemplateString(template, value, `${fn.logicalId} environment ${key}`, {
                resolve: names.resolve,
              }),
            ]),
          ),
          timeoutSeconds: fn.timeoutSeconds,
          memoryMb: fn.memoryMb,
          now,
          logs: functionLogs,
        }),
      );
    }
    const invoke = (task: { stateName: string; functionLogicalId?: string }) => {
      const fn = task.functionLogicalId ? functions.get(task.functionLogicalId) : undefined;
      if (!fn)
        throw new Error(
          `task ${task.stateName} invokes no function of the template; the sandbox serves only Lambda tasks`,
        );
      return fn;
    };
    // The paths a person takes outside the workflow (the CLI, a page link) run the services in-process.
    const lifecycleDeps: LifecycleDeps = {
      incidents,
      store: dynamo.store,
      pager: new SnsPager(sns.sns, sns.topicArns),
      callbacks,
      config,
      clock: now,
      escalations: new SfnWorkflowStarter(sfn, stateMachineArn(escalationMachine.stateMachineName)),
      postMortems: new SfnWorkflowStarter(sfn, stateMachineArn(postMortemMachine.stateMachineName)),
      reports: s3.reports,
      suppressionFor: (service, at) => suppressionFor(silences, service, at),
      links: {
        baseUrl: responder.baseUrl,
        secret: async () => secret,
        ttlMinutes: 24 * 60,
        newId: () => randomUUID(),
      },
    };
    responder.serve((request) =>
      handleResponderRequest(
        {
          incidents,
          callbacks,
          escalation: config.escalation,
          store: dynamo.store,
          secret: async () => secret,
          pageEscalation: async (incidentId, tiers, why) =>
            void (await pageTiers(lifecycleDeps, incidentId, 'ESCALATION', tiers, { why })),
          announceAcknowledged: async (incident, by) =>
            void (await pageTiers(lifecycleDeps, incident.id, 'ACKNOWLEDGED', incident.pagedTiers, { by })),
        },
        request,
        clock.now(),
      ),
    );

    const sandbox: { value?: Sandbox } = {};
    const localHandlers: Record<string, LocalHandler> = {};
    // A fault named for a state hits that Task in whichever workflow has it.
    const withFault = (task: { stateName: string; functionLogicalId?: string }) => {
      const fn = invoke(task);
      const fault = options.faults?.[task.stateName];
      return async (input: unknown) => {
        if (fault === 'throw') throw new InjectedFault(`fault injected into ${task.stateName}`);
        if (fault === 'timeout')
          await clock.sleep(7 * 24 * 3600, { label: `${task.stateName} hangs (injected)` });
        return fn.invoke(input);
      };
    };
    const childHandlers = (tasks: typeof escalationMachine.tasks): Record<string, LocalHandler> =>
      Object.fromEntries(tasks.map((task) => [task.stateName, withFault(task)]));
    for (const task of machine.tasks) {
      const run = withFault(task);
      localHandlers[task.stateName] = async (input, context) => {
        const output = await run(input);
        if (task.stateName === STATES.record)
          sandbox.value?.noteIntake(context.executionId, output as IntakeResult);
        return output;
      };
    }
    const workflow = new LocalWorkflow({ ...machine, handlers: localHandlers, clock, broker });
    children.escalation.workflow = new LocalWorkflow({
      ...escalationMachine,
      handlers: childHandlers(escalationMachine.tasks),
      clock,
      broker,
    });
    children.postmortem.workflow = new LocalWorkflow({
      ...postMortemMachine,
      handlers: childHandlers(postMortemMachine.tasks),
      clock,
      broker,
    });
    sandbox.value = new Sandbox(
      config,
      clock,
      env,
      aws,
      dynamo,
      sns,
      broker,
      incidents,
      callbacks,
      workflow,
      children.escalation.workflow,
      children.postmortem.workflow,
      responder,
      lifecycleDeps,
      s3,
      functionLogs,
      silences,
      localAws,
      savedEnv,
      options.allowFailedExecutions ?? options.faults !== undefined,
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
    return acknowledgeIncident(
      {
        incidents: this.incidents,
        callbacks: this.callbacks,
        announceAcknowledged: async (incident, who) =>
          void (await pageTiers(this.lifecycleDeps, incident.id, 'ACKNOWLEDGED', incident.pagedTiers, {
            by: who,
          })),
      },
      incidentId,
      by,
    );
  }

  /** A person resolves, as `incident resolve` and the page link do: a waiting workflow resumes. */
  resolve(incidentId: string, by: string): Promise<Incident> {
    return resolveIncident({ incidents: this.incidents, callbacks: this.callbacks }, incidentId, by);
  }

  /** A responder approves or denies the action waiting for approval, as `incident approve|deny` does. */
  answerApproval(
    incidentId: string,
    approve: boolean,
    by: string,
  ): Promise<{ incidentId: string; approved: boolean }> {
    return answerApproval({ incidents: this.incidents, callbacks: this.callbacks }, incidentId, approve, by);
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
    const ended = (e: LocalExecution) =>
      e.status === 'RUNNING' || e.status === 'SUCCEEDED' ? '' : lastError(e.events);
    const all = (
      [
        ['lifecycle', this.workflow],
        ['escalation', this.escalationWorkflow],
        ['postmortem', this.postMortemWorkflow],
      ] as const
    ).flatMap(([workflow, runner]) =>
      runner.executions().map((e) => ({ workflow, name: e.name, status: e.status, error: ended(e) })),
    );
    const byWorkflow: Record<string, Record<string, number>> = {};
    for (const e of all) {
      const counts = byWorkflow[e.workflow] ?? {};
      counts[e.status] = (counts[e.status] ?? 0) + 1;
      byWorkflow[e.workflow] = counts;
    }
    return {
      byWorkflow,
      failures: all
        .filter((e) => e.status !== 'RUNNING' && e.status !== 'SUCCEEDED')
        .map(({ workflow, name, status, error }) => ({ workflow, name, error: `${status}: ${error}` })),
    };
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
    await this.localAws.stop();
    await this.s3.stop();
    await this.sns.stop();
    await this.dynamo.stop();
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
