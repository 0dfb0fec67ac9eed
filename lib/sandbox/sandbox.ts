import { randomBytes, randomUUID } from 'node:crypto';
/**
 * The local sandbox: the workflow that `cdk synth` produces, run on a laptop with the same handler
 * code. The app is synthesized in-process from the config; the state machine's definition is turned
 * into plain ASL and run by aws-local-stepfunctions; DynamoDB is dynalite, SNS is fauxqs (pages land
 * in an outbox), callbacks go through a local task-token broker, and time is simulated: a two-hour
 * wait plays in milliseconds while the record's timestamps read as real minutes. Loopback only.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { App } from 'aws-cdk-lib';
import type { Context } from 'aws-lambda';
import { EcsAdapter } from '../../lambdas/adapters/ecs';
import { RecordingIncidentMetrics } from '../../lambdas/adapters/incident-metrics';
import { KillSwitch } from '../../lambdas/adapters/kill-switch';
import { LogsInsightsAdapter } from '../../lambdas/adapters/logs-insights';
import { MetricsAdapter } from '../../lambdas/adapters/metrics';
import { SnsPager } from '../../lambdas/adapters/pager';
import type { WorkflowCallbacks } from '../../lambdas/adapters/workflow-callbacks';
import type { WorkflowStarter } from '../../lambdas/adapters/workflow-starter';
import type { Incident } from '../../lambdas/domain/incident';
import { reportKey } from '../../lambdas/domain/report';
import type { Silence } from '../../lambdas/domain/silences';
import { createAutomationHandler } from '../../lambdas/handlers/automation';
import { createIntakeHandler } from '../../lambdas/handlers/intake';
import { createLifecycleHandler } from '../../lambdas/handlers/lifecycle';
import { type LocalDynamo, startLocalDynamo } from '../../lambdas/local/dynalite-server';
import { IncidentService } from '../../lambdas/services/incident-service';
import type { IntakeResult } from '../../lambdas/services/intake';
import { type LifecycleDeps, pageTiers } from '../../lambdas/services/lifecycle';
import { markPostMortemDone } from '../../lambdas/services/post-incident';
import { handleResponderRequest } from '../../lambdas/services/responder-endpoint';
import { acknowledgeIncident, answerApproval, resolveIncident } from '../../lambdas/services/responders';
import { type SilenceDeps, setSilence, suppressionFor } from '../../lambdas/services/silences';
import { composeApp } from '../app';
import { alarmIndex, parseConfig } from '../config/load';
import type { DeploymentConfig } from '../config/schema';
import { HANDLER_ENV, type HandlerName } from '../constructs/incident-function';
import { STATES } from '../constructs/lifecycle-workflow';
import { aslFromTemplate, type CfnTemplateJson } from './asl';
import { SimulatedEnvironment } from './environment';
import { type LocalResponder, startLocalResponder } from './local-responder';
import { type LocalExecution, type LocalHandler, LocalWorkflow } from './local-runner';
import { LocalS3 } from './local-s3';
import { LocalSns } from './local-sns';
import { SimClock } from './sim-clock';
import { type AwsFaults, SimulatedAws } from './simulated-aws';
import { TaskTokenBroker } from './task-token-broker';

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
}

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

const silentLogger = () => new Logger({ serviceName: 'incident-response-sandbox', logLevel: 'SILENT' });

const lambdaContext = (functionName: string): Context =>
  ({
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'sandbox',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 20_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }) as Context;

const synthesized = new Map<string, CfnTemplateJson>();

/**
 * Synthesizes the app exactly as `cdk synth` does (bundling skipped; cdk-nag runs) and returns the
 * stack template. Kept per config for the life of the process: synthesis takes seconds.
 */
export const synthesizeTemplate = (config: DeploymentConfig): CfnTemplateJson => {
  const key = JSON.stringify(config);
  const cached = synthesized.get(key);
  if (cached) return cached;
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = composeApp(app, config);
  const template = app.synth().getStackByName(stack.stackName).template as CfnTemplateJson;
  synthesized.set(key, template);
  return template;
};

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

/** The handler each function runs: read from the env var the function construct sets. */
const handlerOf = (template: CfnTemplateJson, logicalId: string): HandlerName => {
  const resources = template.Resources as Record<
    string,
    { Properties?: { Environment?: { Variables?: Record<string, unknown> } } }
  >;
  const name = resources[logicalId]?.Properties?.Environment?.Variables?.[HANDLER_ENV];
  if (typeof name !== 'string')
    throw new Error(`function ${logicalId} has no ${HANDLER_ENV}: the sandbox cannot tell what it runs`);
  return name as HandlerName;
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
    private readonly callbacks: WorkflowCallbacks,
    private readonly workflow: LocalWorkflow,
    private readonly escalationWorkflow: LocalWorkflow,
    private readonly postMortemWorkflow: LocalWorkflow,
    /** The responder endpoint on loopback: page links point at `responder.baseUrl`. */
    readonly responder: LocalResponder,
    private readonly lifecycleDeps: LifecycleDeps,
    /** The report bucket's stand-in. */
    readonly s3: LocalS3,
    /** Every metric the handlers emitted, as the EMF lines would carry them. */
    readonly metrics: RecordingIncidentMetrics,
    private readonly silenceDeps: SilenceDeps,
  ) {}

  static async start(options: SandboxOptions): Promise<Sandbox> {
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
    const dynamo = await startLocalDynamo('incidents', options.dbPath);
    const sns = await LocalSns.start(Object.keys(config.contacts));
    const s3 = await LocalS3.start();
    const metrics = new RecordingIncidentMetrics();
    const incidents = new IncidentService(
      dynamo.store,
      { dedupFields: config.dedupKey, reopenWindowMinutes: config.reopenWindowMinutes, resolveOnOk: true },
      now,
    );
    const callbacks: WorkflowCallbacks = {
      succeed: async (token, output) => broker.sendTaskSuccess(token, output),
      fail: async (token, error, cause) => broker.sendTaskFailure(token, error, cause),
    };
    const logger = silentLogger();
    const env = new SimulatedEnvironment(config, now);
    const aws = new SimulatedAws(env, options.awsFaults);
    const alarms = alarmIndex(config);
    const silences: SilenceDeps = { store: dynamo.store, config, clock: now, newId: () => randomUUID() };
    const intake = createIntakeHandler(
      {
        incidents,
        callbacks,
        config,
        alarms,
        suppressionFor: (service, at) => suppressionFor(silences, service, at),
        metrics,
      },
      logger,
    );
    const escalationRef: { workflow?: LocalWorkflow } = {};
    const postMortemRef: { workflow?: LocalWorkflow } = {};
    // A started workflow outlives the step that starts it: start it on its own turn, outside the
    // step's tracked work, as Step Functions would run it apart from the caller.
    const childStarter = (ref: { workflow?: LocalWorkflow }, prefix: string): WorkflowStarter => {
      let count = 0;
      const started = new Set<string>();
      return {
        start: async (input, given) => {
          const workflow = ref.workflow;
          if (!workflow) throw new Error(`the ${prefix} workflow is not ready`);
          const name = given ?? `${prefix}-${++count}`;
          // As StartExecution: a name already used starts nothing and answers the same execution.
          if (given && started.has(name)) return name;
          started.add(name);
          clock.detached(() => setImmediate(() => workflow.start(input, { name })));
          return name;
        },
      };
    };
    // The responder endpoint on loopback: pages carry real links to it, signed with a per-sandbox secret.
    const secret = randomBytes(48).toString('base64url');
    const responder = await startLocalResponder();
    const lifecycleDeps: LifecycleDeps = {
      incidents,
      store: dynamo.store,
      pager: new SnsPager(sns.sns, sns.topicArns),
      callbacks,
      config,
      clock: now,
      escalations: childStarter(escalationRef, 'escalation'),
      postMortems: childStarter(postMortemRef, 'postmortem'),
      reports: s3.reports,
      metrics,
      suppressionFor: (service, at) => suppressionFor(silences, service, at),
      links: {
        baseUrl: responder.baseUrl,
        secret: async () => secret,
        ttlMinutes: 24 * 60,
        newId: () => randomUUID(),
      },
    };
    const lifecycle = createLifecycleHandler(lifecycleDeps, logger);
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
    // The real adapters over the real SDK clients; the simulation answers at the front of each client.
    const automation = createAutomationHandler(
      {
        incidents,
        store: dynamo.store,
        ecs: new EcsAdapter(aws.ecs()),
        metrics: new MetricsAdapter(aws.cloudwatch()),
        logs: new LogsInsightsAdapter(aws.logs(), (ms) =>
          clock.sleep(ms / 1000, { label: 'Logs Insights poll' }),
        ),
        killSwitch: new KillSwitch(aws.ssm(), config.automation.killSwitchParameterName),
        config,
        alarms,
        clock: now,
      },
      logger,
    );
    const handlers: Record<HandlerName, (event: unknown) => Promise<unknown>> = {
      intake: (event) => intake(event, lambdaContext('intake')),
      lifecycle: (event) => lifecycle(event, lambdaContext('lifecycle')),
      automation: (event) => automation(event, lambdaContext('automation')),
      ingest: async () => {
        throw new Error('the ingest function starts executions; it is not a workflow step');
      },
      responder: async () => {
        throw new Error('the responder function serves page links; it is not a workflow step');
      },
    };

    const sandbox: { value?: Sandbox } = {};
    const localHandlers: Record<string, LocalHandler> = {};
    const childHandlers = (tasks: typeof escalationMachine.tasks): Record<string, LocalHandler> => {
      const out: Record<string, LocalHandler> = {};
      for (const task of tasks) {
        if (!task.functionLogicalId) throw new Error(`task ${task.stateName} invokes no Lambda function`);
        const run = handlers[handlerOf(template, task.functionLogicalId)];
        out[task.stateName] = (input) => run(input);
      }
      return out;
    };
    for (const task of machine.tasks) {
      if (!task.functionLogicalId)
        throw new Error(
          `task ${task.stateName} invokes no Lambda function; the sandbox serves only Lambda tasks`,
        );
      const run = handlers[handlerOf(template, task.functionLogicalId)];
      const fault = options.faults?.[task.stateName];
      localHandlers[task.stateName] = async (input, context) => {
        if (fault === 'throw') throw new InjectedFault(`fault injected into ${task.stateName}`);
        if (fault === 'timeout')
          await clock.sleep(7 * 24 * 3600, { label: `${task.stateName} hangs (injected)` });
        const output = await run(input);
        if (task.stateName === STATES.record)
          sandbox.value?.noteIntake(context.executionId, output as IntakeResult);
        return output;
      };
    }
    const workflow = new LocalWorkflow({ ...machine, handlers: localHandlers, clock, broker });
    escalationRef.workflow = new LocalWorkflow({
      ...escalationMachine,
      handlers: childHandlers(escalationMachine.tasks),
      clock,
      broker,
    });
    postMortemRef.workflow = new LocalWorkflow({
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
      escalationRef.workflow,
      postMortemRef.workflow,
      responder,
      lifecycleDeps,
      s3,
      metrics,
      silences,
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

  async stop(): Promise<void> {
    this.workflow.stopAll();
    this.escalationWorkflow.stopAll();
    this.postMortemWorkflow.stopAll();
    await this.responder.stop();
    await this.s3.stop();
    await this.sns.stop();
    await this.dynamo.stop();
  }

  private noteIntake(executionId: string, result: IntakeResult): void {
    const record = this.byExecution.get(executionId);
    if (record) record.intake = result;
  }
}
