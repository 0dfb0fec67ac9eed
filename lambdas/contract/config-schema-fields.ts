/**
 * The field schemas the parts of the deployment config share: severities, kebab-case service and tier
 * names, https URLs and lists in which every entry may appear once. Classic zod, like config-schema.ts:
 * the Lambda bundles only import its types.
 */
import { z } from 'zod';
import { SEVERITIES } from '../domain/severity';

const KEBAB_CASE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const severitySchema = z.enum(SEVERITIES);

export const kebabName = (what: string) =>
  z
    .string()
    .regex(KEBAB_CASE, `must be a kebab-case ${what} (lower-case letters, digits and single hyphens)`);

export const serviceNameSchema = kebabName('service name such as checkout');
export const tierNameSchema = kebabName('tier name such as on-call');

export const accountIdSchema = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account ID');
export const regionSchema = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as eu-west-1');

export const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https:// URL' });

/** A list in which every entry may appear once; a repeat is reported at its own index. */
export const distinctList = <T extends z.ZodType>(item: T) =>
  z.array(item).superRefine((items, ctx) => {
    items.forEach((value, index) => {
      if (items.indexOf(value) !== index) {
        ctx.addIssue({ code: 'custom', path: [index], message: `repeats ${JSON.stringify(value)}` });
      }
    });
  });
