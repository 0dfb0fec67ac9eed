/**
 * The environment variables the stack sets on its functions, named once: the CDK side sets them by
 * these names (lib/incident-response-stack.ts, lib/constructs/responder-api.ts,
 * lib/constructs/ticket-access.ts) and the entries read
 * them with the typed getters below, which fail the cold start with the variable's name.
 */
export const ENV = {
  /** The incidents table. */
  tableName: 'TABLE_NAME',
  /** JSON object: contact tier -> pages topic ARN. */
  tierTopicArns: 'TIER_TOPIC_ARNS',
  /**
   * The ARN of a person's pages topic without the person's name (`arn:aws:sns:R:A:<stack>-person-`):
   * one prefix, not a map, so that the people on call do not fill Lambda's 4 KB of environment.
   */
  personTopicArnPrefix: 'PERSON_TOPIC_ARN_PREFIX',
  /** The lifecycle state machine (the ingest function starts it). */
  lifecycleStateMachineArn: 'STATE_MACHINE_ARN',
  escalationStateMachineArn: 'ESCALATION_STATE_MACHINE_ARN',
  postMortemStateMachineArn: 'POSTMORTEM_STATE_MACHINE_ARN',
  reportBucket: 'REPORT_BUCKET',
  /** The responder endpoint's function URL, where pages' one-click links point. */
  responderBaseUrl: 'RESPONDER_BASE_URL',
  /** Whole minutes a one-click link stays valid. */
  linkTtlMinutes: 'LINK_TTL_MINUTES',
  signingSecretArn: 'SIGNING_SECRET_ARN',
  /**
   * The ticket API's base URL (https://api.github.com, or the Jira site), set only when the config
   * has `tickets`: injected so the sandbox points it at its loopback ticket server.
   */
  ticketApiUrl: 'TICKET_API_URL',
  /**
   * JSON object: `http` custom action name -> the base URL its calls go to (the config's `baseUrl`),
   * set only when the config has `http` actions: injected so the sandbox points them at its loopback
   * admin server.
   */
  httpActionBaseUrls: 'HTTP_ACTION_BASE_URLS',
  /** The webhook deliveries' queue (lib/constructs/webhook-delivery.ts), set on the functions that queue events when the config has `webhooks`. */
  webhookQueueUrl: 'WEBHOOK_QUEUE_URL',
  /** The webhook deliveries' dead-letter queue: the delivery function puts a refused (4xx) delivery there itself. */
  webhookDeadLetterQueueUrl: 'WEBHOOK_DLQ_URL',
  /**
   * JSON object: webhook name -> the URL deliveries go to (the config's `url`), on the delivery
   * function: injected so the sandbox points them at its loopback receiver.
   */
  webhookUrls: 'WEBHOOK_URLS',
  /** The status page's bucket (lib/constructs/status-site.ts), set only when the config has `statusPage`. */
  statusBucket: 'STATUS_BUCKET',
  /** The status bucket's region, set only when the page is its own stack in another region (statusPage.region). */
  statusBucketRegion: 'STATUS_BUCKET_REGION',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
} as const;
export type EnvName = (typeof ENV)[keyof typeof ENV];

/** Reads a required env var; a missing one fails the cold start with its name, never a silent default. */
export const requireEnv = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
  return value;
};

/** A required whole number at least `min`: `NaN`, `1.5` or `''` fail with the variable's name and value. */
export const requireIntEnv = (name: string, { min = 0 }: { readonly min?: number } = {}): number => {
  const text = requireEnv(name);
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min)
    throw new Error(`environment variable ${name} must be a whole number >= ${min}, got '${text}'`);
  return value;
};

/** A required JSON object of strings (such as {@link ENV.tierTopicArns}). */
export const requireStringMapEnv = (name: string): Record<string, string> => {
  const text = requireEnv(name);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`environment variable ${name} is not JSON: '${text.slice(0, 80)}'`);
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    !Object.values(value).every((v) => typeof v === 'string')
  )
    throw new Error(`environment variable ${name} must be a JSON object of strings`);
  return value as Record<string, string>;
};
