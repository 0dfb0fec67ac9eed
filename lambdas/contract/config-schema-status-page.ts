/**
 * The public status page part of the deployment config (issue 14): the components customers see and
 * the services behind each, the severities whose incidents go public, the customer-facing wording of
 * each public status, and whether a person confirms an incident's first public post. Classic zod, like
 * config-schema-oncall.ts: the Lambda bundles only import its types, and the status page model in
 * lambdas/domain/status-page.ts reads the validated output.
 *
 * `statusPage` (optional) in `deploymentConfigSchema`; the rule that spans both (every service named
 * here is a configured service) runs in `parseConfig` (config-status-page.ts).
 */
import { z } from 'zod';
import type { Severity } from '../domain/severity';
import {
  componentId,
  PUBLIC_STATUSES,
  PUBLISHABLE_SEVERITIES,
  type PublicStatus,
  TEMPLATE_PLACEHOLDERS,
} from '../domain/status-page';
import {
  distinctList,
  httpsUrl,
  regionSchema,
  serviceNameSchema,
  severitySchema,
} from './config-schema-fields';

/** The severities that publish when the config leaves `severities` out. */
export const DEFAULT_PUBLISHED_SEVERITIES: readonly Severity[] = ['P1', 'P2'];

/** The wording of each public status when the config leaves it out. */
export const DEFAULT_STATUS_TEMPLATES: Readonly<Record<PublicStatus, string>> = {
  investigating: 'We are investigating problems with {component}.',
  identified: 'We have found the cause of the problems with {component} and are working on a fix.',
  monitoring: 'A fix for {component} is in place. We are watching the results.',
  resolved: 'The problems with {component} are resolved.',
};

const PLACEHOLDER = /\{([^{}]*)\}/g;
const KNOWN = TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(' and ');

/** Customer-facing text with `{component}` and `{service}` only; an unknown placeholder names itself. */
const templateSchema = z
  .string()
  .min(1, 'needs some text')
  .max(1_000, 'must be at most 1,000 characters')
  .superRefine((text, ctx) => {
    for (const [token, name = ''] of text.matchAll(PLACEHOLDER)) {
      if (!(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name)) {
        ctx.addIssue({ code: 'custom', message: `uses ${token}: the placeholders are ${KNOWN}` });
      }
    }
  });

export const statusComponentSchema = z.strictObject({
  /** What customers call it, e.g. "Checkout API"; its id on the page is derived from it (`checkout-api`). */
  name: z.string().trim().min(1, 'needs a name').max(80, 'must be at most 80 characters'),
  description: z.string().trim().min(1).max(200, 'must be at most 200 characters').optional(),
  /** The watched services behind the component: an incident on any of them affects it. */
  services: distinctList(serviceNameSchema).min(1, 'needs at least one service'),
});

export const statusPageConfigSchema = z
  .strictObject({
    /** The page's title and the name of its feed, e.g. "Example Corp status". */
    title: z.string().trim().min(1, 'needs a title').max(100, 'must be at most 100 characters'),
    /** Where customers open the page (a custom domain in front of CloudFront), for links in the feed and status.json. */
    url: httpsUrl.optional(),
    components: z.array(statusComponentSchema).min(1, 'needs at least one component'),
    /** Severities whose incidents go public (@default P1 and P2). A P3 or P4 never publishes. */
    severities: distinctList(severitySchema)
      .min(1, 'needs P1, P2 or both (leave statusPage out to publish nothing)')
      .superRefine((severities, ctx) => {
        severities.forEach((severity, index) => {
          if (!(PUBLISHABLE_SEVERITIES as readonly Severity[]).includes(severity)) {
            ctx.addIssue({
              code: 'custom',
              path: [index],
              message: `a ${severity} never publishes: only ${PUBLISHABLE_SEVERITIES.join(' and ')} go on the status page`,
            });
          }
        });
      })
      .default([...DEFAULT_PUBLISHED_SEVERITIES]),
    /** The body of each public update (@default DEFAULT_STATUS_TEMPLATES, each on its own). */
    templates: z
      .strictObject(
        Object.fromEntries(
          PUBLIC_STATUSES.map((status) => [status, templateSchema.default(DEFAULT_STATUS_TEMPLATES[status])]),
        ) as { [S in PublicStatus]: z.ZodDefault<typeof templateSchema> },
      )
      .prefault({}),
    /** A person confirms an incident's first public post with one click (@default true); false posts it at once. */
    confirmFirstPost: z.boolean().default(true),
    /**
     * The region the page's bucket and its publishing live in. It should be another region (or account)
     * than the one it reports on, so the page stays up when that region does not (@default the stack's).
     */
    region: regionSchema.optional(),
  })
  .superRefine((page, ctx) => {
    const ids = page.components.map((c) => componentId(c.name));
    ids.forEach((id, index) => {
      if (id === '') {
        ctx.addIssue({
          code: 'custom',
          path: ['components', index, 'name'],
          message: 'needs a letter or digit (the component id is made of them)',
        });
      } else if (ids.indexOf(id) !== index) {
        ctx.addIssue({
          code: 'custom',
          path: ['components', index, 'name'],
          message: `repeats component ${id} (names that differ only in case or punctuation share an id)`,
        });
      }
    });
  });

export type StatusPageConfigInput = z.input<typeof statusPageConfigSchema>;
export type StatusPageConfig = z.output<typeof statusPageConfigSchema>;
export type StatusComponent = z.output<typeof statusComponentSchema>;
