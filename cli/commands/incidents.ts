/** `incident list`, `show` and `report`: the record, read from wherever --table, --stack or --db point. */
import { writeFile } from 'node:fs/promises';
import { renderReport } from '../../lambdas/domain/report';
import { type Io, type Parsed, UsageError } from '../args';
import { formatIncident, formatIncidentLine } from '../format';
import { withIncident, withStore } from '../record';

export const list = (parsed: Parsed, io: Io): Promise<number> =>
  withStore(parsed, async (store) => {
    const limit = Number(parsed.values.limit ?? 20);
    if (!Number.isInteger(limit) || limit < 1)
      throw new UsageError(`--limit must be a positive whole number, got "${parsed.values.limit}"`);
    const incidents = parsed.values.open
      ? (await store.listOpen()).slice(0, limit)
      : await store.listRecent(limit);
    if (parsed.values.json) {
      io.out(`${JSON.stringify(incidents)}\n`);
    } else if (incidents.length === 0) {
      io.out(parsed.values.open ? 'No open incidents.\n' : 'No incidents yet. Try: npm run drill\n');
    } else {
      io.out(`${incidents.map(formatIncidentLine).join('\n')}\n`);
    }
    return 0;
  });

export const show = (id: string | undefined, parsed: Parsed, io: Io): Promise<number> =>
  withIncident('show', id, parsed, io, (incident) => {
    io.out(parsed.values.json ? `${JSON.stringify(incident)}\n` : `${formatIncident(incident)}\n`);
    return 0;
  });

/** The incident report (Markdown) rendered from the record, to stdout or to --out FILE. */
export const report = (id: string | undefined, parsed: Parsed, io: Io): Promise<number> =>
  withIncident('report', id, parsed, io, async (incident) => {
    const markdown = renderReport(incident, { generatedAt: new Date() });
    const text = markdown.endsWith('\n') ? markdown : `${markdown}\n`;
    const file = parsed.values.out;
    if (file) {
      await writeFile(file, text);
      io.out(`Wrote the report of ${id} to ${file}\n`);
    } else {
      io.out(text);
    }
    return 0;
  });
