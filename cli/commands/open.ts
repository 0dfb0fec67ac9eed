/**
 * `incident open ID [--json]`: the URL of a sandbox incident's own page, while a drill serves its
 * responder endpoint (`incident drill --scenario NAME --serve`). The link is the one the drill's first
 * page about the incident carried, checked against the endpoint (HEAD) before it is printed.
 */
import { IncidentError, IncidentNotFoundError } from '../../lambdas/domain/errors';
import { type Io, type Parsed, sandboxDb, UsageError } from '../args';
import { readServing } from '../serving';

/** No sandbox responder is up, or it no longer answers for the link. */
export class NotServingError extends IncidentError {}

export const open = async (id: string | undefined, parsed: Parsed, io: Io): Promise<number> => {
  if (!id) throw new UsageError('open needs an incident ID');
  const serving = readServing(sandboxDb(parsed));
  if (!serving)
    throw new NotServingError(
      'no sandbox responder is up: start one with incident drill --scenario NAME --serve, and keep it running',
    );
  const page = serving.pages[id];
  if (!page)
    throw new IncidentNotFoundError(
      `the serving drill sent no page about ${id}; its incidents: ${Object.keys(serving.pages).join(', ') || 'none'}`,
    );
  let status: number;
  try {
    status = (await fetch(page.url, { method: 'HEAD' })).status;
  } catch (error) {
    throw new NotServingError(`the sandbox responder at ${serving.baseUrl} does not answer`, {
      cause: error,
    });
  }
  if (status !== 200)
    throw new NotServingError(`the sandbox responder refused the page link of ${id} (HTTP ${status})`);
  io.out(
    parsed.values.json
      ? `${JSON.stringify({ id, url: page.url, tier: page.tier, baseUrl: serving.baseUrl })}\n`
      : `${page.url}\n`,
  );
  return 0;
};
