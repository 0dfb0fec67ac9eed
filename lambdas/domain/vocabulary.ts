/**
 * The product's enums, each declared once. The config schema (lambdas/contract), the domain, the
 * handlers and the CDK constructs all read these lists; none of them spells the values again.
 */

/** The alarms the product can put on a watched ECS service. */
export const ALARM_KINDS = ['errorRate', 'p95Latency', 'tasksBelowDesired', 'cpu', 'memory'] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

/** The alarms that read the service's load balancer metrics, so need `loadBalancer`. */
export const LOAD_BALANCER_ALARM_KINDS = ['errorRate', 'p95Latency'] as const satisfies readonly AlarmKind[];

/** What makes an escalation step fire: nobody acknowledged yet, or nobody resolved yet. */
export const ESCALATION_TRIGGERS = ['not-acknowledged', 'not-resolved'] as const;
export type EscalationTrigger = (typeof ESCALATION_TRIGGERS)[number];

/** What identifies "the same incident" when an alarm fires again. */
export const DEDUP_KEY_PARTS = ['service', 'alarm', 'account', 'region'] as const;
export type DedupKeyPart = (typeof DEDUP_KEY_PARTS)[number];

/** Days of a weekly maintenance window; index = `Date.getUTCDay()`. */
export const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
