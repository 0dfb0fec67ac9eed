/**
 * `incident status-page [--out DIR]`: renders the public status page from the status page item of the
 * record (the sandbox store, or --table / --stack) into DIR (default `.sandbox/status`): the same
 * `index.html`, `status.json` and `history.atom` the workflow publishes to the status bucket, through
 * the same renderer, with the components and wording of --config's `statusPage`.
 */
import { StatusPageStore } from '../../lambdas/adapters/status-page-store';
import { DirectoryStatusSite, statusSiteFiles } from '../../lambdas/adapters/status-site';
import { pageIndicator } from '../../lambdas/domain/status-page';
import { config, type Io, type Parsed, UsageError } from '../args';
import { withStore } from '../record';

/** Where the sandbox keeps the rendered status page when --out is not given. */
export const DEFAULT_STATUS_DIR = '.sandbox/status';

export const statusPage = (parsed: Parsed, io: Io): Promise<number> => {
  const page = config(parsed).statusPage;
  if (!page)
    throw new UsageError('the config has no statusPage: add one (see the README) or pass --config FILE');
  const dir = parsed.values.out ?? DEFAULT_STATUS_DIR;
  return withStore(parsed, async (store, { doc }) => {
    const { state } = await new StatusPageStore(doc, store.tableName).get(new Date());
    const files = statusSiteFiles(state, page);
    await new DirectoryStatusSite(dir).write(files);
    const open = state.incidents.filter((i) => i.status !== 'resolved').length;
    io.out(
      `Wrote ${files.map((f) => f.key).join(', ')} to ${dir}: ${pageIndicator(state, page).description}, ${open} open incident${open === 1 ? '' : 's'}\n`,
    );
    return 0;
  });
};
