/**
 * The outbound integrations part of the deployment config (issue 15): `tickets` (one GitHub or Jira
 * issue per incident of the configured severities), `webhooks` (signed deliveries of lifecycle
 * events) and `actions` (custom remediation: an SSM Automation runbook, a Lambda function, or an HTTP
 * call to a fixed host). Classic zod, like config-schema-paging.ts: the Lambda bundles only import
 * its types.
 *
 * `tickets`, `webhooks` and `actions` (with each service's `playbook` naming them) are part of
 * deploymentConfigSchema.
 */
import { z } from 'zod';
import { SUSPECTED_CAUSES } from '../domain/evidence';
import { unknownTemplateVariables } from '../domain/ssm-automation';
import { WEBHOOK_EVENT_KINDS } from '../domain/webhook-signature';
import { distinctList, httpsUrl, kebabName, severitySchema } from './config-schema-fields';

/**
 * A Secrets Manager secret, by its complete ARN (the grants name it exactly, and a partial ARN, with
 * no `-` and six characters at the end, would match no secret in IAM).
 */
export const secretArnSchema = z.string().superRefine((arn, ctx) => {
  if (!/^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/.test(arn)) {
    ctx.addIssue({
      code: 'custom',
      message:
        'must be a Secrets Manager secret ARN such as arn:aws:secretsmanager:eu-west-1:123456789012:secret:name-AbCdEf',
    });
  } else if (!/-[A-Za-z0-9]{6}$/.test(arn)) {
    ctx.addIssue({
      code: 'custom',
      message:
        'must be the complete ARN, ending in the - and six characters Secrets Manager adds (aws secretsmanager describe-secret --secret-id NAME --query ARN)',
    });
  }
});

const roleArnSchema = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]+$/,
    'must be an IAM role ARN such as arn:aws:iam::123456789012:role/incident-automation',
  );

const functionArnSchema = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:lambda:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$/,
    'must be a Lambda function ARN such as arn:aws:lambda:eu-west-1:123456789012:function:clear-cache',
  );

/** A template string: only `{{incident.id}}`, `{{incident.service}}` and `{{incident.severity}}` may appear. */
const templateSchema = z.string().superRefine((template, ctx) => {
  for (const name of unknownTemplateVariables(template)) {
    ctx.addIssue({
      code: 'custom',
      message: `names {{${name}}}; only incident.id, incident.service and incident.severity can be templated`,
    });
  }
});

/** The URL, or undefined where the field's own check already refused it. */
const parsedUrl = (value: string): URL | undefined => (URL.canParse(value) ? new URL(value) : undefined);

const compiles = (pattern: string): boolean => {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
};

/** Which severities get something. @default P1 and P2 */
const ticketSeverities = distinctList(severitySchema).min(1).default(['P1', 'P2']);

/** GitHub issues in one repository, created with a token read from Secrets Manager. */
export const githubTicketsSchema = z.strictObject({
  provider: z.literal('github'),
  owner: z
    .string()
    .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, 'must be a GitHub user or organization name'),
  repo: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be a repository name (without .git)')
    .refine(
      (repo) => repo !== '.' && repo !== '..' && !repo.endsWith('.git'),
      'must be a repository name (without .git)',
    ),
  /** A fine-grained token with Issues: read and write on the repository. */
  tokenSecretArn: secretArnSchema,
  labels: distinctList(z.string().min(1).max(50)).default([]),
  severities: ticketSeverities,
  /** Close the issue (state_reason completed) when the incident resolves. @default true */
  closeOnResolve: z.boolean().default(true),
});

/** A Jira workflow transition, by its name or its id. */
const jiraTransitionSchema = z.union([
  z.strictObject({ name: z.string().min(1) }),
  z.strictObject({ id: z.string().regex(/^\d+$/, 'must be a transition id such as 31') }),
]);

/** Jira Cloud issues in one project, created over REST v3 with basic auth (email and API token). */
export const jiraTicketsSchema = z.strictObject({
  provider: z.literal('jira'),
  /** The site, such as https://example.atlassian.net (no path). */
  baseUrl: httpsUrl,
  projectKey: z.string().regex(/^[A-Z][A-Z0-9_]{1,9}$/, 'must be a Jira project key such as OPS'),
  /** @default Task */
  issueType: z.string().min(1).default('Task'),
  /** The secret holding the email address of the account the API token belongs to. */
  emailSecretArn: secretArnSchema,
  tokenSecretArn: secretArnSchema,
  /** The workflow transition that resolves an issue, by name or id; none leaves issues open. */
  resolveTransition: jiraTransitionSchema.optional(),
  /**
   * The transition that opens a resolved issue again when the incident reopens, by name or id (such
   * as `{ "name": "To Do" }`); none only comments on it.
   */
  reopenTransition: jiraTransitionSchema.optional(),
  labels: distinctList(z.string().regex(/^\S{1,255}$/, 'must be a Jira label (no spaces)')).default([]),
  severities: ticketSeverities,
});

/** One ticket per incident of the listed severities, in GitHub or Jira. */
export const ticketsSchema = z
  .discriminatedUnion('provider', [githubTicketsSchema, jiraTicketsSchema])
  .superRefine((tickets, ctx) => {
    if (tickets.provider !== 'jira') return;
    const url = parsedUrl(tickets.baseUrl);
    if (url !== undefined && (url.pathname !== '/' || url.search !== '' || url.hash !== '')) {
      ctx.addIssue({
        code: 'custom',
        path: ['baseUrl'],
        message: 'must be the site alone, with no path or query',
      });
    }
    tickets.labels.forEach((label, index) => {
      if (label.startsWith('incident-')) {
        ctx.addIssue({
          code: 'custom',
          path: ['labels', index],
          message: 'must not start with incident-: that prefix is the marker label',
        });
      }
    });
  });

/** One signed webhook: where, with which secret, for which events and severities. */
export const webhookSchema = z.strictObject({
  name: kebabName('webhook name such as status-bot'),
  url: httpsUrl,
  /**
   * The signing secret: its SecretString holds one key per line, current first. To rotate, add the
   * new key as a second line (every delivery then carries one `v1=` per key), move the receivers to
   * it, then remove the old line.
   */
  secretArn: secretArnSchema,
  events: distinctList(z.enum(WEBHOOK_EVENT_KINDS)).min(1, 'needs at least one event'),
  /** @default all */
  severities: distinctList(severitySchema).min(1).optional(),
});

/** The webhooks, each name once. */
export const webhooksSchema = z.array(webhookSchema).superRefine((webhooks, ctx) => {
  webhooks.forEach((webhook, index) => {
    if (webhooks.findIndex((w) => w.name === webhook.name) !== index) {
      ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `repeats webhook ${webhook.name}` });
    }
    const url = parsedUrl(webhook.url);
    if (url !== undefined && (url.username !== '' || url.password !== '')) {
      ctx.addIssue({
        code: 'custom',
        path: [index, 'url'],
        message: 'must not carry credentials: the signature authenticates the delivery',
      });
    }
  });
});

const parameterName = z
  .string()
  .regex(/^[A-Za-z0-9]{1,50}$/, 'must be a runbook parameter name such as InstanceId');

/** StartAutomationExecution of a runbook, waited for until a final status or stopped at the timeout. */
export const ssmAutomationActionSchema = z
  .strictObject({
    type: z.literal('ssm-automation'),
    documentName: z
      .string()
      .regex(
        /^[A-Za-z0-9_.-]{3,128}$/,
        "must be an SSM document name such as Acme-ClearCache or AWS-RestartEC2Instance, not an ARN: a document shared from another account is not supported (IAM is granted on this account's documents and AWS's own)",
      ),
    /** @default the document's default version */
    documentVersion: z
      .string()
      .regex(/^(\$DEFAULT|\$LATEST|[1-9]\d*)$/, 'must be $DEFAULT, $LATEST or a version number')
      .optional(),
    /** Runbook parameter → template of its one value. */
    parameters: z.record(parameterName, templateSchema).default({}),
    /** Runbook parameter → the pattern its rendered value must match whole. One per parameter. */
    parameterPatterns: z.record(parameterName, z.string().min(1)).default({}),
    /**
     * The AutomationAssumeRole the runbook runs as (it must trust ssm.amazonaws.com). It is always
     * sent as the runbook's `AutomationAssumeRole` parameter, which the runbook must declare.
     */
    roleArn: roleArnSchema,
    /** After this the execution is stopped. @default 15 */
    timeoutMinutes: z.int().min(1).max(720).default(15),
  })
  .superRefine((action, ctx) => {
    for (const name of Object.keys(action.parameters)) {
      if (!(name in action.parameterPatterns)) {
        ctx.addIssue({
          code: 'custom',
          path: ['parameterPatterns', name],
          message: `needs a pattern: every value of parameters.${name} is checked before it is sent`,
        });
      }
    }
    for (const [name, pattern] of Object.entries(action.parameterPatterns)) {
      if (!(name in action.parameters)) {
        ctx.addIssue({
          code: 'custom',
          path: ['parameterPatterns', name],
          message: `${name} is not in parameters`,
        });
      } else if (!compiles(pattern)) {
        ctx.addIssue({
          code: 'custom',
          path: ['parameterPatterns', name],
          message: 'is not a valid regular expression',
        });
      }
    }
  });

/** An invocation of one Lambda function with a templated payload. */
export const lambdaActionSchema = z
  .strictObject({
    type: z.literal('lambda'),
    functionArn: functionArnSchema,
    /** The invocation payload: key → template of its value. @default {} */
    payload: z.record(z.string().min(1), templateSchema).default({}),
    /** Payload key → the pattern its rendered value must match whole; one per templated value. */
    payloadPatterns: z.record(z.string().min(1), z.string().min(1)).default({}),
    /** The synchronous invocation is abandoned after this (the automation function runs 50 s). @default 20 */
    timeoutSeconds: z.int().min(1).max(40).default(20),
  })
  .superRefine((action, ctx) => {
    for (const [key, template] of Object.entries(action.payload)) {
      if (/\{\{/.test(template) && !(key in action.payloadPatterns)) {
        ctx.addIssue({
          code: 'custom',
          path: ['payloadPatterns', key],
          message: `needs a pattern: payload.${key} takes incident values, checked before they are sent`,
        });
      }
    }
    for (const [key, pattern] of Object.entries(action.payloadPatterns)) {
      if (!(key in action.payload)) {
        ctx.addIssue({ code: 'custom', path: ['payloadPatterns', key], message: `${key} is not in payload` });
      } else if (!compiles(pattern)) {
        ctx.addIssue({
          code: 'custom',
          path: ['payloadPatterns', key],
          message: 'is not a valid regular expression',
        });
      }
    }
  });

/** The methods an `http` action may use. */
export const HTTP_ACTION_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** An HTTP call to a host fixed in the config; only the path takes incident values. */
export const httpActionSchema = z
  .strictObject({
    type: z.literal('http'),
    method: z.enum(HTTP_ACTION_METHODS),
    /** Scheme and host (and port) alone: nothing of it is templated, so no incident value can change where the call goes. */
    baseUrl: httpsUrl,
    /** The path, starting with `/`; its variables are URL-encoded when rendered. */
    pathTemplate: templateSchema.refine((path) => path.startsWith('/'), 'must start with /'),
    /**
     * The pattern the rendered path (its values URL-encoded) must match whole before the call is made,
     * such as `/admin/circuit-breaker/[a-z0-9-]+/open`. Required when pathTemplate has variables.
     */
    pathPattern: z.string().min(1).optional(),
    /** A secret whose value is sent as the Authorization header. @default none */
    authSecretArn: secretArnSchema.optional(),
    expectedStatuses: distinctList(z.int().min(200).max(399)).min(1).default([200]),
    /** The whole call, connection included, is aborted after this. @default 10 */
    timeoutSeconds: z.int().min(1).max(30).default(10),
  })
  .superRefine((action, ctx) => {
    if (action.pathPattern === undefined && /\{\{/.test(action.pathTemplate)) {
      ctx.addIssue({
        code: 'custom',
        path: ['pathPattern'],
        message:
          'is required: pathTemplate takes incident values, and the rendered path is checked before it is sent',
      });
    } else if (action.pathPattern !== undefined && !compiles(action.pathPattern)) {
      ctx.addIssue({ code: 'custom', path: ['pathPattern'], message: 'is not a valid regular expression' });
    }
    const url = parsedUrl(action.baseUrl);
    if (action.baseUrl.includes('{{')) {
      ctx.addIssue({
        code: 'custom',
        path: ['baseUrl'],
        message: 'is never templated: the host is fixed, only pathTemplate takes incident values',
      });
    } else if (
      url !== undefined &&
      (url.pathname !== '/' ||
        url.search !== '' ||
        url.hash !== '' ||
        url.username !== '' ||
        url.password !== '')
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['baseUrl'],
        message: 'must be scheme and host alone (https://admin.example.com); the path goes in pathTemplate',
      });
    }
    if (/\/\/|\/\.\.?(\/|$)|[?#]/.test(action.pathTemplate.replace(/\{\{[^{}]*\}\}/g, 'x'))) {
      ctx.addIssue({
        code: 'custom',
        path: ['pathTemplate'],
        message: 'must be a plain path: no //, no . or .. segment, no query or fragment',
      });
    }
  });

/** A custom remediation action, by its `type`. */
export const actionSchema = z.discriminatedUnion('type', [
  ssmAutomationActionSchema,
  lambdaActionSchema,
  httpActionSchema,
]);

/** How playbooks name an action. */
export const actionNameSchema = kebabName('action name such as clear-cache');

/** The custom actions by name. */
export const actionsSchema = z.record(actionNameSchema, actionSchema);

/**
 * One line of a service's playbook: for these diagnoses (and severities), run this action instead of
 * the built-in playbook. The guardrails (allow-list, dry-run, cooldown, caps, approval, kill switch)
 * apply to it as to a rollback.
 */
export const playbookRuleSchema = z.strictObject({
  /** The suspected causes of the diagnosis this line covers. */
  causes: distinctList(z.enum(SUSPECTED_CAUSES)).min(1),
  /** @default every severity */
  severities: distinctList(severitySchema).min(1).optional(),
  /** A name in `actions`. */
  action: actionNameSchema,
});

/** A service's playbook: the first line that matches the diagnosis and the severity decides. @default none */
export const playbookSchema = z.array(playbookRuleSchema);

/** The three parts together, as deploymentConfigSchema will take them. */
export const integrationsConfigSchema = z.strictObject({
  /** @default no tickets */
  tickets: ticketsSchema.optional(),
  webhooks: webhooksSchema.default([]),
  actions: actionsSchema.default({}),
});

/** The shapes before (input) and after (output, defaults filled) validation. */
export type IntegrationsConfigInput = z.input<typeof integrationsConfigSchema>;
export type IntegrationsConfig = z.output<typeof integrationsConfigSchema>;
export type TicketsConfig = z.output<typeof ticketsSchema>;
export type WebhookConfig = z.output<typeof webhookSchema>;
export type ActionConfig = z.output<typeof actionSchema>;
export type SsmAutomationActionConfig = z.output<typeof ssmAutomationActionSchema>;
export type LambdaActionConfig = z.output<typeof lambdaActionSchema>;
export type HttpActionConfig = z.output<typeof httpActionSchema>;
export type PlaybookRule = z.output<typeof playbookRuleSchema>;
