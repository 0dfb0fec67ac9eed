/**
 * What `incident drill --serve` leaves for `incident open` while its responder endpoint is up: the
 * endpoint's loopback URL, the serving process, and each incident's page link as the drill's pages
 * carried it. No secret is written: the links are the ones the pages were sent with, and they work
 * only against that endpoint, which checks them as any link.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as z from 'zod/mini';
import { INCIDENT_PAGE_LABEL } from '../lambdas/domain/page-email';
import type { DeliveredPage } from '../sandbox/local-aws/sns';

/** One incident's page link, from the first page about it that carried one. */
export interface ServedPage {
  readonly url: string;
  /** The tier the page went to: its link acts as that page's recipient. */
  readonly tier: string;
}

const servingSchema = z.object({
  baseUrl: z.string(),
  pid: z.number(),
  pages: z.record(z.string(), z.object({ url: z.string(), tier: z.string() })),
});

/** The serving file of a sandbox store: beside the store's directory, gone when the drill stops serving. */
export type Serving = z.infer<typeof servingSchema>;

/** Where the serving drill of the sandbox store `dbPath` describes itself. */
export const servingFile = (dbPath: string): string => `${dbPath.replace(/\/+$/, '')}.responder.json`;

/** The URL on the line after the incident page label of an email body, if the page carries one. */
export const incidentPageIn = (body: string): string | undefined => {
  const lines = body.split('\n');
  const at = lines.indexOf(INCIDENT_PAGE_LABEL);
  return at < 0 ? undefined : lines[at + 1]?.trim() || undefined;
};

/** Each incident's page link, from the earliest delivered page about it that carries one. */
export const incidentPages = (pages: readonly DeliveredPage[]): Record<string, ServedPage> => {
  const out: Record<string, ServedPage> = {};
  for (const page of [...pages].sort((a, b) => a.at.localeCompare(b.at))) {
    const url = incidentPageIn(page.body);
    if (page.incidentId && url && !out[page.incidentId]) out[page.incidentId] = { url, tier: page.tier };
  }
  return out;
};

/** Writes the serving file (mode 0600: the links act as their recipients). */
export const writeServing = (dbPath: string, serving: Serving): void =>
  writeFileSync(servingFile(dbPath), `${JSON.stringify(serving, null, 2)}\n`, { mode: 0o600 });

/** Removes the serving file, if any: the endpoint is down. */
export const removeServing = (dbPath: string): void => rmSync(servingFile(dbPath), { force: true });

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The serving drill of `dbPath`, or undefined when none is up (no file, or its process is gone). */
export const readServing = (dbPath: string): Serving | undefined => {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(servingFile(dbPath), 'utf8'));
  } catch {
    return undefined;
  }
  const parsed = servingSchema.safeParse(json);
  return parsed.success && alive(parsed.data.pid) ? parsed.data : undefined;
};
