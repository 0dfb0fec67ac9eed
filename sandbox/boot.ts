/**
 * Brings a sandbox's parts up: synthesizes the app, reads its workflows, starts the loopback stand-ins,
 * points the bundles' SDK clients at them through process.env and loads every function's bundle.
 */
import { randomBytes } from 'node:crypto';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { OverrideStore } from '../lambdas/adapters/oncall-overrides';
import { SnsPager } from '../lambdas/adapters/pager';
import { StatusPageStore } from '../lambdas/adapters/status-page-store';
import { S3StatusSite } from '../lambdas/adapters/status-site';
import { SfnCallbacks } from '../lambdas/adapters/workflow-callbacks';
import { SfnWorkflowStarter } from '../lambdas/adapters/workflow-starter';
import { actionSecretArns, httpActionBaseUrls, lambdaActionArns } from '../lambdas/contract/action-access';
import { parseConfig } from '../lambdas/contract/config';
import type { DeploymentConfig } from '../lambdas/contract/config-schema';
import { ENV } from '../lambdas/contract/env';
import { ticketSecretArns } from '../lambdas/contract/ticket-access';
import { ticketPorts } from '../lambdas/entries/ticket-ports';
import type { IncidentService } from '../lambdas/services/incident-service';
import type { IntakeResult } from '../lambdas/services/intake';
import type { ResponderDeps } from '../lambdas/services/responders';
import type { SilenceDeps } from '../lambdas/services/silences';
import { composeDeps } from '../lambdas/wiring/compose';
import type { HandlerName } from '../lib/constructs/incident-function';
import { STATES } from '../lib/constructs/lifecycle-workflow';
import { playDeployCalls } from './deploy-calls';
import { SimulatedEnvironment } from './environment';
import { type FunctionLog, type LoadedFunction, loadFunction } from './lambda-runtime';
import { type AdminServer, startAdminServer } from './local-aws/admin-server';
import { type LocalDynamo, startLocalDynamo } from './local-aws/dynalite';
import { type AwsFaults, LocalAwsJson } from './local-aws/json-protocol';
import { type LambdaEndpoint, startLambdaEndpoint } from './local-aws/lambda-invoke';
import { type FunctionUrlResult, type LocalResponder, startLocalResponder } from './local-aws/responder';
import { LocalS3 } from './local-aws/s3';
import { SimulatedAws } from './local-aws/simulated-aws';
import { LocalSns } from './local-aws/sns';
import { startTicketServer, type TicketServer } from './local-aws/ticket-server';
import {
  aslFromTemplate,
  type CfnTemplateJson,
  resolveTemplateString,
  SANDBOX_ACCOUNT,
  SANDBOX_REGION,
} from './sfn-local/asl';
import { type LocalHandler, LocalWorkflow } from './sfn-local/local-runner';
import { SimClock } from './sfn-local/sim-clock';
import { TaskTokenBroker } from './sfn-local/task-token-broker';
import {
  childStarter,
  functionsOf,
  localNames,
  secretsManagerService,
  stepFunctionsService,
} from './stack-stand-ins';
import { synthesizeTemplate } from './synth';
import { startWebhookStandIns, type WebhookStandIns } from './webhook-stand-ins';

const LOCAL_CLIENT = {
  region: SANDBOX_REGION,
  credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
};

const stateMachineArn = (name: string) =>
  `arn:aws:states:${SANDBOX_REGION}:${SANDBOX_ACCOUNT}:stateMachine:${name}`;

/** What every ticket secret holds in the sandbox: its ticket server checks the auth scheme, not the value. */
export const SANDBOX_TICKET_CREDENTIAL = 'sandbox-ticket-credential';

/** What every custom action's secret holds in the sandbox: its admin server checks that one is sent, not the value. */
export const SANDBOX_ACTION_CREDENTIAL = 'Bearer sandbox-admin-token';

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

/** Everything a running sandbox holds. */
export interface SandboxParts {
  readonly config: DeploymentConfig;
  readonly clock: SimClock;
  readonly env: SimulatedEnvironment;
  readonly aws: SimulatedAws;
  readonly dynamo: LocalDynamo;
  readonly sns: LocalSns;
  readonly broker: TaskTokenBroker;
  readonly incidents: IncidentService;
  /** The acknowledge / resolve / approve paths, paging as the responder endpoint does. */
  readonly responders: Required<ResponderDeps>;
  readonly workflow: LocalWorkflow;
  readonly escalationWorkflow: LocalWorkflow;
  readonly postMortemWorkflow: LocalWorkflow;
  readonly responder: LocalResponder;
  readonly s3: LocalS3;
  /** The GitHub- and Jira-shaped ticket API, when the config has `tickets`. */
  readonly tickets?: TicketServer;
  /** The webhook receiver and SQS stand-ins, when the config has `webhooks`. */
  readonly webhooks?: WebhookStandIns;
  /** The services' admin API the `http` custom actions call, when the config has any. */
  readonly admin?: AdminServer;
  /** Lambda's Invoke for the functions the `lambda` custom actions name, when the config has any. */
  readonly lambda?: LambdaEndpoint;
  /** Invokes one function's bundle with `event`, as a retried Lambda invocation would. */
  readonly invoke: (handler: HandlerName, event: unknown) => Promise<unknown>;
  readonly functionLogs: readonly FunctionLog[];
  readonly silenceDeps: SilenceDeps;
  readonly localAws: LocalAwsJson;
  readonly savedEnv: NodeJS.ProcessEnv;
  /** Lets the loaded functions go of this sandbox, once it has stopped. */
  readonly releaseFunctions: () => void;
  readonly allowFailedExecutions: boolean;
}

/** Starts a sandbox's parts; `onIntake` hears the intake's verdict of every lifecycle execution. */
export async function bootSandbox(
  options: SandboxOptions,
  onIntake: (executionId: string, result: IntakeResult) => void,
): Promise<SandboxParts> {
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
      Object.entries(LocalSns.topicsFor(config.contacts, config.oncall?.people)).map(([tier, topic]) => [
        tier,
        { ...topic, arn: names.topicArn(tier), displayName: names.displayName(names.topicArn(tier)) },
      ]),
    ),
    { now },
  );
  const s3 = await LocalS3.start(names.bucketName, names.statusBucketName);
  // What the deploy itself writes (the status page's seed), as a fresh `cdk deploy` would.
  await playDeployCalls(template, names.resolve, s3.s3);
  // The services the paths a person takes outside the workflow (the CLI, a page link) run in-process,
  // composed as the deployed functions compose theirs.
  const composed = composeDeps(
    {
      store: dynamo.store,
      overrides: new OverrideStore(dynamo.doc, dynamo.store.tableName),
      region: SANDBOX_REGION,
      clock: now,
    },
    config,
  );
  const env = new SimulatedEnvironment(config, now);
  const aws = new SimulatedAws(env);
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
  // With tickets: the ticket API on loopback, and its credentials in the Secrets Manager stand-in.
  const tickets = config.tickets ? await startTicketServer() : undefined;
  const ticketSecrets = config.tickets
    ? Object.fromEntries(ticketSecretArns(config.tickets).map((arn) => [arn, SANDBOX_TICKET_CREDENTIAL]))
    : {};
  // With http custom actions: the services' admin API on loopback, and its tokens in the stand-in.
  const httpActions = httpActionBaseUrls(config.actions);
  const admin = Object.keys(httpActions).length > 0 ? await startAdminServer(env.admin) : undefined;
  // With lambda custom actions: Lambda's Invoke on loopback, answered by the simulated functions.
  const lambda =
    lambdaActionArns(config.actions).length > 0
      ? await startLambdaEndpoint(env.functions, env.account)
      : undefined;
  const actionSecrets = Object.fromEntries(
    actionSecretArns(config.actions).map((arn) => [arn, SANDBOX_ACTION_CREDENTIAL]),
  );
  // With webhooks: the queues on loopback, played against the webhook bundle, and a receiver.
  const webhooks = await startWebhookStandIns(config, template, clock);
  const localAws = await LocalAwsJson.start(
    [
      ...(webhooks ? [webhooks.sqs.service()] : []),
      ...aws.services(),
      stepFunctionsService(broker, Object.values(starters)),
      secretsManagerService({
        ...ticketSecrets,
        ...webhooks?.secrets,
        ...actionSecrets,
        [names.secretArn]: secret,
      }),
    ],
    options.awsFaults,
  );
  // The CLI's paths (acknowledge, resolve, approve) call Step Functions through the same adapters.
  const sfn = new SFNClient({ ...LOCAL_CLIENT, endpoint: localAws.endpoint });
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
    ...(lambda ? { AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint } : {}),
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
            webhooks?.envValue(key) ??
              (key === ENV.ticketApiUrl && tickets
                ? tickets.baseUrl
                : key === ENV.httpActionBaseUrls && admin
                  ? JSON.stringify(
                      Object.fromEntries(Object.keys(httpActions).map((name) => [name, admin.baseUrl])),
                    )
                  : resolveTemplateString(template, value, `${fn.logicalId} environment ${key}`, {
                      resolve: names.resolve,
                    })),
          ]),
        ),
        timeoutSeconds: fn.timeoutSeconds,
        memoryMb: fn.memoryMb,
        now,
        logs: functionLogs,
      }),
    );
  }
  webhooks?.attach(functions);
  const invoke = (task: { stateName: string; functionLogicalId?: string }) => {
    const fn = task.functionLogicalId ? functions.get(task.functionLogicalId) : undefined;
    if (!fn)
      throw new Error(
        `task ${task.stateName} invokes no function of the template; the sandbox serves only Lambda tasks`,
      );
    return fn;
  };
  // The CLI's paths in the sandbox (sandbox.acknowledge, resolve, approve) page in-process with links
  // to the loopback endpoint, as the deployed CLI signs them with the stack's secret (cli/deployed-stack.ts).
  const lifecycleDeps = composed.lifecycle({
    pager: new SnsPager(sns.sns, sns.topicArns),
    callbacks: new SfnCallbacks(sfn),
    escalations: new SfnWorkflowStarter(sfn, stateMachineArn(escalationMachine.stateMachineName)),
    postMortems: new SfnWorkflowStarter(sfn, stateMachineArn(postMortemMachine.stateMachineName)),
    reports: s3.reports,
    links: { baseUrl: responder.baseUrl, secret: async () => secret, ttlMinutes: 24 * 60 },
    ...webhooks?.ports(localAws.endpoint, names.webhookQueueUrl),
    ...(config.tickets && tickets
      ? {
          tickets: ticketPorts(
            config.tickets,
            tickets.baseUrl,
            (region) => new SecretsManagerClient({ ...LOCAL_CLIENT, region, endpoint: localAws.endpoint }),
          ),
        }
      : {}),
    ...(config.statusPage && names.statusBucketName
      ? {
          statusPage: {
            config: config.statusPage,
            records: new StatusPageStore(dynamo.doc, dynamo.store.tableName),
            site: new S3StatusSite(s3.s3, names.statusBucketName),
          },
        }
      : {}),
  });
  // A page link's click runs the responder function's bundle, as the Function URL would.
  const responderFunction = [...functions.values()].find((fn) => fn.name === 'responder');
  if (!responderFunction) throw new Error('the template has no responder function');
  responder.serve(async (event) => (await responderFunction.invoke(event)) as FunctionUrlResult);

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
      if (task.stateName === STATES.record) onIntake(context.executionId, output as IntakeResult);
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
  return {
    config,
    clock,
    env,
    aws,
    dynamo,
    sns,
    broker,
    incidents: composed.incidents,
    responders: composed.responders(lifecycleDeps),
    workflow,
    escalationWorkflow: children.escalation.workflow,
    postMortemWorkflow: children.postmortem.workflow,
    responder,
    s3,
    ...(tickets ? { tickets } : {}),
    ...(webhooks ? { webhooks } : {}),
    ...(admin ? { admin } : {}),
    ...(lambda ? { lambda } : {}),
    invoke: (handler, event) => {
      const fn = [...functions.values()].find((f) => f.name === handler);
      if (!fn) throw new Error(`the template has no ${handler} function`);
      return fn.invoke(event);
    },
    functionLogs,
    silenceDeps: composed.silences,
    localAws,
    savedEnv,
    releaseFunctions: () => {
      for (const fn of functions.values()) fn.release();
    },
    allowFailedExecutions: options.allowFailedExecutions ?? options.faults !== undefined,
  };
}
