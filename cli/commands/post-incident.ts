/** `incident postmortem ID`: the post-mortem's status, or (--done) mark it written: the incident closes. */
import { markPostMortemDone } from '../../lambdas/services/post-incident';
import { composeDeps } from '../../lambdas/wiring/compose';
import { asUsage, config, type Io, missingFlags, type Parsed, UsageError } from '../args';
import { openReportStore } from '../deployed-stack';
import { formatPostMortem } from '../format';
import { withIncident, withStore } from '../record';

export const postmortem = async (id: string | undefined, parsed: Parsed, io: Io): Promise<number> => {
  if (!id) throw new UsageError('postmortem needs an incident ID, e.g. INC-20261123-001');
  const { done, doc, by } = parsed.values;
  if (!done) {
    if (doc || by) throw new UsageError('--doc and --by mark the post-mortem done: add --done');
    return withIncident('postmortem', id, parsed, io, (incident) => {
      io.out(`${formatPostMortem(incident, new Date())}\n`);
      return 0;
    });
  }
  missingFlags('postmortem --done', { '--doc URL': doc, '--by NAME': by });
  const cfg = config(parsed);
  return withStore(parsed, async (store, target) => {
    const { incidents } = composeDeps({ store, clock: () => new Date() }, cfg);
    const stack = parsed.values.stack;
    const bucket =
      stack && target.outputs
        ? await openReportStore(stack, target.outputs, parsed.values.region)
        : undefined;
    try {
      const closed = await asUsage(() =>
        markPostMortemDone({ incidents, ...(bucket ? { reports: bucket.reports } : {}) }, id, {
          doc: doc ?? '',
          by: by ?? '',
        }),
      );
      io.out(`${id}: post-mortem done by ${closed.postMortem?.doneBy ?? by} (${doc}); ${closed.status}\n`);
      io.out(
        bucket
          ? `Report rewritten: ${closed.report?.uri ?? 'not linked'}${closed.report?.url ? `\n  ${closed.report.url}` : ''}\n`
          : parsed.values.table
            ? "The report in the stack's bucket was not rewritten: give --stack NAME instead of --table to rewrite it.\n"
            : `The sandbox's report bucket lives only as long as its drill: incident report ${id} renders the report from the record.\n`,
      );
      return 0;
    } finally {
      bucket?.close();
    }
  });
};
