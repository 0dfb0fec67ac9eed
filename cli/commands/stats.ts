/** `incident stats`: per severity, how fast incidents were acknowledged, mitigated and resolved. */
import { summarizeIncidents } from '../../lambdas/domain/incident-stats';
import { duration, type Io, type Parsed, UsageError } from '../args';
import { withStore } from '../record';
import { formatStats } from '../stats-format';

const DEFAULT_STATS_WINDOW = '30d';

export const stats = async (parsed: Parsed, io: Io): Promise<number> => {
  const window = parsed.values.since ?? DEFAULT_STATS_WINDOW;
  const windowMs = await duration(window, '--since');
  if (windowMs <= 0)
    throw new UsageError(`--since must be longer than zero, such as ${DEFAULT_STATS_WINDOW}`);
  return withStore(parsed, async (store) => {
    const now = new Date();
    const since = new Date(now.getTime() - windowMs);
    const incidents = await store.listCreatedSince(since);
    // The window ends now, or just after the newest incident when the record runs ahead of this
    // clock: sandbox drills run in simulated time, and a laptop's clock may lag AWS's.
    const newest = Math.max(...incidents.map((i) => Date.parse(i.createdAt) + 1));
    const until = new Date(Math.max(now.getTime(), newest));
    const summary = summarizeIncidents(incidents, { since, until });
    io.out(
      parsed.values.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatStats(summary, window)}\n`,
    );
    return 0;
  });
};
