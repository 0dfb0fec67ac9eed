/**
 * Routing: how an alarm the stack did not create (a custom-metric error rate, RDS CPU, queue depth, an
 * external health check) finds its service, severity and runbook. Classic zod, used at synth only: the
 * Lambda bundles import the types, and read the validated config that synth bundles.
 *
 * `rules` are tried in order and the first that matches decides; a rule with `continue: true` fills
 * only the fields still unset and lets later rules fill the rest. `default` (required) decides what
 * happens to everything no rule routes. The stack's own alarms (those under `services[].alarms`) are
 * routed by name before any rule.
 */
import { z } from 'zod';
import {
  accountIdSchema,
  httpsUrl,
  regionSchema,
  serviceNameSchema,
  severitySchema,
} from './config-schema-fields';

const RULE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

const isRegex = (source: string): boolean => {
  try {
    new RegExp(source, 'u');
    return true;
  } catch {
    return false;
  }
};

/** How a string field is matched: exactly one of the four. A glob has `*` (any run) and `?` (one character). */
export const stringMatcherSchema = z
  .strictObject({
    eq: z.string().min(1).optional(),
    prefix: z.string().min(1).optional(),
    glob: z.string().min(1).optional(),
    regex: z
      .string()
      .min(1)
      .refine(isRegex, 'must be a valid regular expression (JavaScript syntax, u flag)')
      .optional(),
  })
  .refine(
    (m) => [m.eq, m.prefix, m.glob, m.regex].filter((v) => v !== undefined).length === 1,
    'needs exactly one of eq, prefix, glob, regex',
  );

/** A dimension's or a tag's value: that exact value, or `{ exists: true }` for any value. */
const valueMatcherSchema = z.union([
  z.string().min(1),
  z.strictObject({ exists: z.literal(true, 'must be true (match any value)') }),
]);

const tagKey = z.string().min(1).max(128);

const matchSchema = z.strictObject({
  alarmName: stringMatcherSchema.optional(),
  /** A namespace of one of the alarm's metrics, such as AWS/RDS. */
  namespace: z.string().min(1).max(255).optional(),
  /** A metric name of one of the alarm's metrics (with `namespace`, of the same metric). */
  metricName: z.string().min(1).max(255).optional(),
  /** Dimensions that all of the alarm's metrics agree on. */
  dimensions: z.record(z.string().min(1).max(255), valueMatcherSchema).optional(),
  /** The alarm's own tags, read with CloudWatch ListTagsForResource (cached per alarm). */
  tags: z.record(tagKey, valueMatcherSchema).optional(),
  account: accountIdSchema.optional(),
  region: regionSchema.optional(),
});

const serviceFromSchema = z.union([
  z.strictObject({ dimension: z.string().min(1).max(255) }),
  z.strictObject({ tag: tagKey }),
]);

export const ROUTE_ACTIONS = ['open', 'ignore'] as const;

export const routeRuleSchema = z.strictObject({
  /** Named in `incident route explain`, on the incident's timeline and in the severity reason. */
  id: z.string().regex(RULE_ID, 'must be a kebab-case rule id such as rds-cpu'),
  match: matchSchema,
  /** A service of `services` or `otherServices`. */
  service: serviceNameSchema.optional(),
  /** The service is the value of this dimension or tag (any name: one that is not configured has no ECS part). */
  serviceFrom: serviceFromSchema.optional(),
  severity: severitySchema.optional(),
  /** The severity is this tag's value, P1 to P4 (any case); another value leaves it to later rules. */
  severityFromTag: tagKey.optional(),
  runbookUrl: httpsUrl.optional(),
  /** @default open for a rule that ends the matching; a `continue` rule sets none unless it names one */
  action: z.enum(ROUTE_ACTIONS).optional(),
  /** Let later rules fill the fields this one leaves unset (first match still wins for what it sets). */
  continue: z.boolean().default(false),
});

const ROUTING_REQUIRED =
  'is required, an object such as {"default": {"action": "open", "severity": "P3"}}: the default route decides what happens to every alarm the stack did not create';

export const routingSchema = z.strictObject(
  {
    rules: z.array(routeRuleSchema).max(200).default([]),
    /** What happens to an alarm no rule routes, and the fields no rule set. */
    default: z.strictObject(
      {
        action: z.enum(ROUTE_ACTIONS, 'must be "open" (an incident for every other alarm) or "ignore"'),
        severity: severitySchema.default('P3'),
        runbookUrl: httpsUrl.optional(),
      },
      'is required: the default route ({"action": "open" | "ignore", "severity": "P3"}) decides what happens to every alarm no rule routes',
    ),
    /**
     * Leave out Application Auto Scaling target-tracking alarms (`TargetTracking-*`), which change state
     * all day as the service scales: in the EventBridge rule, and in the intake for alarms that come
     * through an SNS topic or a Lambda alarm action.
     */
    ignoreTargetTracking: z.boolean().default(true),
    /**
     * Leave out the stack's own operator alarms (`<stackName>-operator-*`): they already page the
     * operators' topic, and an incident about a failing intake would have to go through that intake.
     */
    ignoreOperatorAlarms: z.boolean().default(true),
    /** How long the intake keeps an alarm's tags before it reads them again. */
    tagCacheMinutes: z.int().min(0).max(1_440).default(10),
  },
  ROUTING_REQUIRED,
);

/** A service that is not on ECS (a database, a queue, an external API): routed alarms page for it, nothing acts on it. */
export const otherServiceSchema = z.strictObject({
  name: serviceNameSchema,
  description: z.string().min(1).max(200).optional(),
  runbookUrl: httpsUrl.optional(),
  /** Its log group: diagnosis reads the top errors there. @default none, no log evidence */
  logGroup: z
    .string()
    .regex(
      /^[\w.\-/#]{1,512}$/,
      'must be a CloudWatch Logs log group name such as /aws/rds/instance/orders/error',
    )
    .optional(),
});

/** ECS service events on a watched service that go on its incident, or open one. */
export const ecsEventsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** The severity of an incident that an ECS event opens (none open for the service). */
  severity: severitySchema.default('P2'),
});

export type RoutingConfig = z.infer<typeof routingSchema>;
export type RouteRule = z.infer<typeof routeRuleSchema>;
export type StringMatcher = z.infer<typeof stringMatcherSchema>;
export type OtherServiceConfig = z.infer<typeof otherServiceSchema>;
