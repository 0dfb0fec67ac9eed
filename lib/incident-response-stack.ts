import {
  Annotations,
  ArnFormat,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Token,
  Validations,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { servicesAutomationMayRollBack } from '../lambdas/contract/alarm-index';
import type { DeploymentConfig } from '../lambdas/contract/config-schema';
import { ENV } from '../lambdas/contract/env';
import { dashboardNameFor, INCIDENT_METRICS } from '../lambdas/contract/metrics-design';
import { operatorTiers } from '../lambdas/domain/escalation';
import { handoffWarnings } from '../lambdas/domain/oncall';
import { routingReadsTags } from '../lambdas/domain/routing';
import { alarmRuleScope } from './config/alarm-rule-scope';
import { AlarmIntake } from './constructs/alarm-intake';
import { ChatChannels } from './constructs/chat-channels';
import { grantCustomActions } from './constructs/custom-action-access';
import { EscalationWorkflow } from './constructs/escalation-workflow';
import { IncidentDashboard } from './constructs/incident-dashboard';
import { IncidentFunction } from './constructs/incident-function';
import { IncidentTable } from './constructs/incident-table';
import { LifecycleWorkflow } from './constructs/lifecycle-workflow';
import { Notifications, personTopicName } from './constructs/notifications';
import { OperatorAlarms } from './constructs/operator-alarms';
import { PostMortemWorkflow } from './constructs/post-mortem-workflow';
import { ReportBucket } from './constructs/report-bucket';
import { ResponderApi } from './constructs/responder-api';
import { ServiceAutomation } from './constructs/service-automation';
import { grantStatusPublish, StatusSite, statusBucketName, statusObjectArn } from './constructs/status-site';
import { grantTicketAccess } from './constructs/ticket-access';
import { WatchedServiceAlarms } from './constructs/watched-service-alarms';
import { WebhookDelivery } from './constructs/webhook-delivery';
import { COLD_START_MARGIN } from './constructs/workflow-tasks';

export interface IncidentResponseStackProps extends StackProps {
  /** The validated deployment config (see `loadConfig`). */
  readonly config: DeploymentConfig;
}

export const REMOVAL_POLICIES = { retain: RemovalPolicy.RETAIN, destroy: RemovalPolicy.DESTROY } as const;

/**
 * The longest an incident can stay suppressed, which the lifecycle workflow sleeps through before it
 * announces: the longest silence the CLI accepts, weekly maintenance window, or one-off window (at
 * least a minute).
 */
export const longestSuppression = (config: DeploymentConfig): Duration =>
  Duration.minutes(
    Math.max(
      1,
      config.silences.maxHours * 60,
      ...config.maintenanceWindows.map((w) =>
        'durationMinutes' in w
          ? w.durationMinutes
          : Math.ceil((Date.parse(w.until) - Date.parse(w.from)) / 60_000),
      ),
    ),
  );

/** Everything one `cdk deploy` installs. It only composes constructs; they hold the decisions. */
/** The id of the synth warning about a handoff in a DST gap or overlap, for `Annotations.acknowledgeWarning`. */
export const HANDOFF_WARNING_ID = 'incident-response:oncall-handoff-dst';
/** The id of the synth warning that the status bucket is not in `statusPage.region`. */
export const STATUS_REGION_WARNING_ID = 'incident-response:status-page-region';

export class IncidentResponseStack extends Stack {
  readonly incidentTable: IncidentTable;
  readonly notifications: Notifications;
  readonly workflow: LifecycleWorkflow;
  readonly escalation: EscalationWorkflow;
  readonly postMortem: PostMortemWorkflow;
  readonly reports: ReportBucket;
  readonly dashboard: IncidentDashboard;
  readonly responderApi: ResponderApi;
  readonly intake: AlarmIntake;
  /** The webhook deliveries' queue, function and alarms, when the config has webhooks. */
  readonly webhooks?: WebhookDelivery;
  readonly functions: {
    readonly intake: IncidentFunction;
    readonly lifecycle: IncidentFunction;
    readonly automation: IncidentFunction;
    readonly responder: IncidentFunction;
    readonly ingest: IncidentFunction;
  };

  constructor(scope: Construct, id: string, props: IncidentResponseStackProps) {
    super(scope, id, props);
    const { config } = props;

    // The id stays IncidentStore: it makes the table's logical id, and a new logical id is a new table
    // (the old one, retained, would leave the stack with the incident history).
    this.incidentTable = new IncidentTable(this, 'IncidentStore', {
      removalPolicy: REMOVAL_POLICIES[config.table.removalPolicy],
      customerManagedKey: config.table.customerManagedKey,
    });
    this.notifications = new Notifications(this, 'Notifications', {
      contacts: config.contacts,
      operatorTiers: operatorTiers(config.escalation, Object.keys(config.contacts)),
      topicNamePrefix: config.stackName,
      ...(config.oncall ? { people: config.oncall.people, fallback: config.oncall.fallback } : {}),
    });
    // A handoff in a DST gap moves forward, one in an overlap takes the first occurrence: say so at synth.
    for (const warning of config.oncall ? handoffWarnings(config.oncall) : []) {
      Annotations.of(this.notifications).addWarningV2(HANDOFF_WARNING_ID, warning.message);
    }
    new ChatChannels(this, 'ChatChannels', {
      contacts: config.contacts,
      tierTopics: this.notifications.tierTopics,
      namePrefix: config.stackName,
    });
    config.services.forEach((service) => {
      new WatchedServiceAlarms(this, `Alarms-${service.name}`, { service });
    });

    const intake = new IncidentFunction(this, 'IntakeFunction', { handlerName: 'intake', config });
    const lifecycle = new IncidentFunction(this, 'LifecycleFunction', { handlerName: 'lifecycle', config });
    const ingest = new IncidentFunction(this, 'IngestFunction', { handlerName: 'ingest', config });
    // Diagnostics read several APIs and Logs Insights polls: more time than the other steps.
    const automation = new IncidentFunction(this, 'AutomationFunction', {
      handlerName: 'automation',
      config,
      timeout: Duration.seconds(50),
    });
    const responder = new IncidentFunction(this, 'ResponderFunction', { handlerName: 'responder', config });
    this.functions = { intake, lifecycle, automation, responder, ingest };
    new ServiceAutomation(this, 'ServiceAutomation', {
      grantee: automation,
      services: config.services,
      killSwitchParameterName: config.automation.killSwitchParameterName,
      rollbackServices: servicesAutomationMayRollBack(config),
    });
    grantCustomActions(config.actions, automation);
    if (routingReadsTags(config)) {
      // Routing rules that match on tags read the alarm's tags, in this account and region. An alarm
      // of another account cannot be read: routing skips the tag rules for it (the lookup fails).
      intake.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['cloudwatch:ListTagsForResource'],
          resources: [
            this.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      );
      const region = Token.isUnresolved(this.region) ? '<AWS::Region>' : this.region;
      const account = Token.isUnresolved(this.account) ? '<AWS::AccountId>' : this.account;
      Validations.of(intake.role ?? intake).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:${region}:${account}:alarm:*]`,
        reason:
          'Routing rules match alarms the stack did not create by their tags: the intake reads the tags (read-only) of any alarm of its own account and region, which it cannot know at deploy',
      });
    }
    for (const fn of [intake, lifecycle, automation, responder]) {
      fn.addEnvironment(ENV.tableName, this.incidentTable.table.tableName);
      this.incidentTable.grantReadWrite(fn);
    }
    for (const fn of [lifecycle, responder]) {
      fn.addEnvironment(ENV.tierTopicArns, this.notifications.topicArnsJson());
      fn.addEnvironment(ENV.personTopicArnPrefix, this.notifications.personTopicArnPrefix());
      this.notifications.grantPublish(fn);
      if (config.oncall) {
        const region = Token.isUnresolved(this.region) ? '<AWS::Region>' : this.region;
        const account = Token.isUnresolved(this.account) ? '<AWS::AccountId>' : this.account;
        Validations.of(fn.role ?? fn).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sns:${region}:${account}:${personTopicName(config.stackName, '*')}]`,
          reason:
            "Pages reach each person on a schedule through their own topic: one pattern that only this stack's person topics match, so the role's policy stays within IAM's size limit whatever the team's size",
        });
      }
    }
    // Announce opens the ticket and resolve closes it (lifecycle); a page link's acknowledgement comments (responder).
    if (config.tickets) grantTicketAccess(config.tickets, [lifecycle, responder]);
    // The lifecycle queues webhook events (announce, escalations, mitigation, resolve); so does a page link's acknowledgement (responder).
    if (config.webhooks && config.webhooks.length > 0)
      this.webhooks = new WebhookDelivery(this, 'Webhooks', {
        webhooks: config.webhooks,
        config,
        producers: [lifecycle, responder],
        alarmTopic: this.notifications.operatorsTopic,
      });
    // The status page: announce and resolve publish it (lifecycle), a Publish click too (responder).
    const statusRegion = config.statusPage?.region;
    if (config.statusPage && statusRegion) {
      // Its own stack in that region (lib/status-site-stack.ts, added by composeApp): the publishers
      // write to the bucket by its fixed name, across regions.
      const bucketName = statusBucketName(config.stackName, statusRegion);
      for (const fn of [lifecycle, responder])
        grantStatusPublish(fn, bucketName, statusObjectArn(bucketName), statusRegion);
      if (statusRegion === this.region)
        Annotations.of(this).addWarningV2(
          STATUS_REGION_WARNING_ID,
          `statusPage.region is ${statusRegion}, this stack's own region: the page fails with what it reports on; name another region (README, Status page)`,
        );
    } else if (config.statusPage) {
      const site = new StatusSite(this, 'StatusSite', {
        removalPolicy: REMOVAL_POLICIES[config.table.removalPolicy],
        page: config.statusPage,
      });
      for (const fn of [lifecycle, responder]) site.grantPublish(fn);
      new CfnOutput(this, 'StatusPageUrl', { description: 'The public status page', value: site.url });
    }
    this.responderApi = new ResponderApi(this, 'ResponderApi', {
      responderFunction: responder,
      signers: [lifecycle],
    });
    lifecycle.addEnvironment(ENV.responderBaseUrl, this.responderApi.url.url);
    this.escalation = new EscalationWorkflow(this, 'Escalation', {
      lifecycleFunction: lifecycle,
      stateMachineName: `${config.stackName}-escalation`,
      roundsPerExecution: config.escalationRoundsPerExecution,
    });
    for (const fn of [lifecycle, responder]) {
      fn.addEnvironment(ENV.escalationStateMachineArn, this.escalation.formattedArn);
      this.escalation.grantStart(fn);
    }
    this.postMortem = new PostMortemWorkflow(this, 'PostMortem', {
      lifecycleFunction: lifecycle,
      stateMachineName: `${config.stackName}-postmortem`,
    });
    lifecycle.addEnvironment(ENV.postMortemStateMachineArn, this.postMortem.formattedArn);
    this.postMortem.grantStart(lifecycle);
    this.reports = new ReportBucket(this, 'Reports', {
      removalPolicy: REMOVAL_POLICIES[config.table.removalPolicy],
      customerManagedKey: config.table.customerManagedKey,
    });
    lifecycle.addEnvironment(ENV.reportBucket, this.reports.bucket.bucketName);
    this.reports.grantReadWrite(lifecycle);
    for (const fn of [intake, lifecycle]) {
      fn.addEnvironment(ENV.metricsNamespace, INCIDENT_METRICS.namespace);
    }

    this.workflow = new LifecycleWorkflow(this, 'Lifecycle', {
      intakeFunction: intake,
      lifecycleFunction: lifecycle,
      automationFunction: automation,
      approvalTimeout: Duration.minutes(config.automation.approvalTimeoutMinutes),
      verificationTimeout: Duration.minutes(config.verification.timeoutMinutes),
      automationTaskTimeout: (automation.timeout ?? Duration.seconds(50)).plus(COLD_START_MARGIN),
      recoveryTimeout: Duration.minutes(config.verification.recoveryTimeoutMinutes),
      reopenWindow: Duration.minutes(config.reopenWindowMinutes),
      maxSuppression: longestSuppression(config),
      stateMachineName: `${config.stackName}-lifecycle`,
    });
    // Resuming the step that waits for recovery: the intake (on the OK) and the lifecycle (when the
    // incident was already resolved) both answer the callback.
    this.workflow.grantTaskResponse(intake);
    this.workflow.grantTaskResponse(lifecycle);
    this.workflow.grantTaskResponse(responder);
    ingest.addEnvironment(ENV.lifecycleStateMachineArn, this.workflow.stateMachine.stateMachineArn);
    this.workflow.stateMachine.grantStartExecution(ingest);

    const alarmScope = alarmRuleScope(config);
    this.intake = new AlarmIntake(this, 'AlarmIntake', {
      stateMachine: this.workflow.stateMachine,
      ingestFunction: ingest,
      ...(alarmScope.all
        ? { ignoredAlarmNamePrefixes: alarmScope.ignoredPrefixes }
        : { alarmNames: alarmScope.alarmNames, routedAlarms: alarmScope.routed }),
      alarmTopicArns: config.intake.alarmTopicArns,
      ...(config.ecsEvents.enabled ? { ecsServices: config.services } : {}),
    });
    new OperatorAlarms(this, 'OperatorAlarms', {
      stateMachine: this.workflow.stateMachine,
      escalationStateMachine: this.escalation.stateMachine,
      postMortemStateMachine: this.postMortem.stateMachine,
      functions: this.functions,
      deadLetterQueue: this.intake.deadLetterQueue,
      topic: this.notifications.operatorsTopic,
    });
    this.dashboard = new IncidentDashboard(this, 'Dashboard', {
      dashboardName: dashboardNameFor(config.stackName),
      stateMachines: {
        lifecycle: this.workflow.stateMachine,
        escalation: this.escalation.stateMachine,
        'post-mortem': this.postMortem.stateMachine,
      },
      functions: { ...this.functions, ...(this.webhooks ? { webhook: this.webhooks.function } : {}) },
      deadLetterQueues: {
        intake: this.intake.deadLetterQueue,
        ...(this.webhooks ? { webhooks: this.webhooks.deadLetterQueue } : {}),
      },
    });

    new CfnOutput(this, 'IncidentTableName', {
      description: 'DynamoDB table holding the incident records',
      value: this.incidentTable.table.tableName,
    });
    new CfnOutput(this, 'StateMachineArn', {
      description: 'The incident lifecycle workflow',
      value: this.workflow.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'EscalationStateMachineArn', {
      description: 'The escalation policy workflow',
      value: this.escalation.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'PostMortemStateMachineArn', {
      description: 'The post-mortem reminders workflow',
      value: this.postMortem.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'ReportBucketName', {
      description: 'S3 bucket holding the incident reports (under reports/)',
      value: this.reports.bucket.bucketName,
    });
    new CfnOutput(this, 'DashboardName', {
      description: 'CloudWatch dashboard of the incidents and of the workflow health',
      value: this.dashboard.dashboardName,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'The incidents dashboard in the CloudWatch console',
      value: this.dashboard.consoleUrl,
    });
    new CfnOutput(this, 'TierTopicArns', {
      description: 'Pages topic of each escalation tier (JSON); the incident CLI reads it',
      value: this.notifications.topicArnsJson(),
    });
    new CfnOutput(this, 'PersonTopicArnPrefix', {
      description: "A person's pages topic is this and the person's name; the incident CLI reads it",
      value: this.notifications.personTopicArnPrefix(),
    });
    new CfnOutput(this, 'ResponderUrl', {
      description: 'One-click links in pages point here',
      value: this.responderApi.url.url,
    });
    new CfnOutput(this, 'SigningSecretArn', {
      description:
        'Signs the links in pages; the CLI reads it (GetSecretValue) to put links in the pages it sends',
      value: this.responderApi.signingSecret.secretArn,
    });
    new CfnOutput(this, 'LinkTtlMinutes', {
      description: 'How long a link in a page stays usable',
      value: String(ResponderApi.LINK_TTL.toMinutes()),
    });
    new CfnOutput(this, 'OperatorsTopicArn', {
      description: 'Alarms on the workflow itself go here',
      value: this.notifications.operatorsTopic.topicArn,
    });
    if (this.webhooks)
      new CfnOutput(this, 'WebhookQueueUrl', {
        description:
          "The outbound webhooks' deliveries queue; the CLI sends to it (SendMessage) what it acknowledges",
        value: this.webhooks.queue.queueUrl,
      });
  }
}
