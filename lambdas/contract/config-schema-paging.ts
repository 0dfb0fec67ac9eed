/**
 * The paging part of the deployment config: the contact tiers (email, SMS, chat) a page reaches, the
 * escalation policy of a severity with the default matrix, and what the per-severity settings
 * (escalation, response and status-update minutes) are built from. Classic zod, like config-schema.ts:
 * the Lambda bundles only import its types.
 */
import { z } from 'zod';
import type { Severity } from '../domain/severity';
import { ESCALATION_TRIGGERS } from '../domain/vocabulary';
import { distinctList, kebabName, severitySchema, tierNameSchema } from './config-schema-fields';

export const contactTierSchema = z
  .strictObject({
    email: distinctList(z.email('must be an email address')).default([]),
    sms: distinctList(
      z.string().regex(/^\+[1-9]\d{1,14}$/, 'must be a phone number in E.164 form such as +15555550100'),
    ).default([]),
    /**
     * Optional chat through AWS Chatbot, subscribed to the tier's topic. The workspace (Slack) or the
     * team and tenant (Teams) must first be authorized in the AWS Chatbot console.
     */
    chat: z
      .strictObject({
        slackWorkspaceId: z
          .string()
          .regex(/^T[A-Z0-9]{8,}$/, 'must be a Slack workspace ID such as T0123456789')
          .optional(),
        slackChannelId: z
          .string()
          .regex(
            /^[CG][A-Z0-9]{8,}$/,
            'must be a Slack channel ID such as C0123456789 (not the channel name)',
          )
          .optional(),
        teamsTeamId: z.uuid('must be the Teams team ID (a UUID)').optional(),
        teamsTenantId: z.uuid('must be the Microsoft tenant ID (a UUID)').optional(),
        teamsChannelId: z.string().min(1).optional(),
      })
      .superRefine((chat, ctx) => {
        if ((chat.slackChannelId === undefined) !== (chat.slackWorkspaceId === undefined)) {
          ctx.addIssue({
            code: 'custom',
            path: ['slackWorkspaceId'],
            message: 'Slack needs both slackWorkspaceId and slackChannelId',
          });
        }
        const teams = [chat.teamsTeamId, chat.teamsTenantId, chat.teamsChannelId].filter(
          (v) => v !== undefined,
        ).length;
        if (teams !== 0 && teams !== 3) {
          ctx.addIssue({
            code: 'custom',
            path: ['teamsChannelId'],
            message: 'Teams needs teamsTeamId, teamsTenantId and teamsChannelId',
          });
        }
      })
      .optional(),
    /**
     * Page the people on call in this schedule (`oncall.schedules`) when the tier is paged, read when
     * each page goes. The tier's own endpoints (a team channel, say) still get every page too.
     */
    schedule: kebabName('schedule name such as app').optional(),
    /** Only this layer of `schedule` (its rotation member while the layer is active). @default the whole schedule */
    layer: kebabName('layer name such as primary').optional(),
    /** Severities the tier is paged for, e.g. ['P1'] for "secondary, P1 only". @default all */
    severities: distinctList(severitySchema).min(1).optional(),
  })
  .superRefine((tier, ctx) => {
    if (tier.layer !== undefined && tier.schedule === undefined) {
      ctx.addIssue({ code: 'custom', path: ['layer'], message: 'names a layer: set schedule too' });
    }
    const endpoints =
      tier.email.length > 0 ||
      tier.sms.length > 0 ||
      tier.chat?.slackChannelId !== undefined ||
      tier.chat?.teamsChannelId !== undefined;
    if (!endpoints && tier.schedule === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'needs at least one endpoint (an email, an SMS number or a chat channel) or a schedule',
      });
    }
  });

const escalationStepSchema = z.strictObject({
  afterMinutes: z.int().min(0),
  trigger: z.enum(ESCALATION_TRIGGERS),
  notify: distinctList(tierNameSchema).min(1),
  repeat: z.strictObject({ times: z.int().min(1), everyMinutes: z.int().min(1) }).optional(),
});

export const escalationPolicySchema = z.strictObject({ steps: z.array(escalationStepSchema) });

/**
 * The default escalation matrix. P1: page on-call at once, twice more 5 min apart while not acknowledged;
 * devops-lead after 60 min and engineering-manager after 120 min while not resolved. P2: on-call at once,
 * devops-lead after 60 min while not resolved. P3: on-call only. P4: nobody is paged (next business day).
 * The CTO tier is for manual escalation (business-critical impact or a breach), so no timed step names it.
 */
export const DEFAULT_ESCALATION: Readonly<Record<Severity, z.input<typeof escalationPolicySchema>>> = {
  P1: {
    steps: [
      {
        afterMinutes: 0,
        trigger: 'not-acknowledged',
        notify: ['on-call'],
        repeat: { times: 2, everyMinutes: 5 },
      },
      { afterMinutes: 60, trigger: 'not-resolved', notify: ['devops-lead'] },
      { afterMinutes: 120, trigger: 'not-resolved', notify: ['engineering-manager'] },
    ],
  },
  P2: {
    steps: [
      { afterMinutes: 0, trigger: 'not-acknowledged', notify: ['on-call'] },
      { afterMinutes: 60, trigger: 'not-resolved', notify: ['devops-lead'] },
    ],
  },
  P3: { steps: [{ afterMinutes: 0, trigger: 'not-acknowledged', notify: ['on-call'] }] },
  P4: { steps: [] },
};

/** An object with one entry per severity, each defaulting on its own. */
export const perSeverity = <T extends z.ZodType>(
  schema: T,
  defaults: Readonly<Record<Severity, z.input<T>>>,
) =>
  z
    .strictObject({
      P1: schema.prefault(defaults.P1),
      P2: schema.prefault(defaults.P2),
      P3: schema.prefault(defaults.P3),
      P4: schema.prefault(defaults.P4),
    })
    .prefault({});

/** Whole minutes, or null for "as needed" / "next business day". */
export const minutesOrNull = z.int('must be a whole number of minutes, or null').min(1).nullable();
