/** The benchmark report: one JSON document and its Markdown rendering. */
import { STORM_SERVICES } from '../sandbox/scenarios';
import type { BundlesResult } from './bundles';
import type { OncallResult } from './oncall';
import type { PolicySimulateResult } from './policy-simulate';
import type { PostIncidentResult } from './post-incident';
import type { RollbackResult } from './rollback';
import type { Summary } from './stats';
import type { StormResult } from './storm';
import type { TransitionsResult } from './transitions';
import type { WorkflowOverheadResult } from './workflow-overhead';

export interface BenchReport {
  readonly generatedAt: string;
  readonly environment: {
    readonly node: string;
    readonly platform: string;
    readonly arch: string;
    readonly cpus: number;
    readonly cpuModel: string;
  };
  readonly runs: number;
  readonly workflowOverhead?: WorkflowOverheadResult;
  /** The common path (bad-deploy) first. */
  readonly transitions?: readonly TransitionsResult[];
  readonly bundles?: BundlesResult;
  readonly storm?: StormResult;
  readonly rollback?: RollbackResult;
  readonly postIncident?: PostIncidentResult;
  readonly policySimulate?: PolicySimulateResult;
  readonly oncall?: OncallResult;
}

const LOCAL_NOTE =
  'Local figures: the real synthesized workflow runs in the local interpreter (aws-local-stepfunctions) with ' +
  'dynalite and fauxqs on loopback, all in one Node process. They are not AWS latencies.';

const ms = (n: number) => `${n.toFixed(1)} ms`;
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const bytes = (n: number) => `${int(n)} B`;
const usd = (n: number) => `$${n.toPrecision(3)}`;

type Row = readonly [measure: string, median: string, min: string, max: string, note: string];

const summaryRow = (measure: string, s: Summary, format: (n: number) => string, note: string): Row => [
  measure,
  format(s.median),
  format(s.min),
  format(s.max),
  note,
];

const table = (
  header: readonly string[],
  align: readonly ('l' | 'r')[],
  rows: readonly (readonly string[])[],
) =>
  [
    `| ${header.join(' | ')} |`,
    `| ${align.map((a) => (a === 'r' ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`),
  ].join('\n');

const sameInEveryRun = (values: readonly number[]): string => {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return min === max ? int(min) : `${int(min)}–${int(max)}`;
};

const summaryRows = (report: BenchReport): Row[] => {
  const rows: Row[] = [];
  const a = report.workflowOverhead;
  if (a) {
    rows.push(
      summaryRow(
        '(a) deliver() → intake reported `opened`',
        a.openedMs,
        ms,
        'ALARM event, DRILL_CONFIG; waits: none on this path',
      ),
      summaryRow(
        '(a) deliver() → INCIDENT page in the outbox',
        a.pagedMs,
        ms,
        'includes the last outbox poll (one SQS round trip)',
      ),
      summaryRow(
        '(a) sandbox start-up, template cached',
        a.startupMs,
        ms,
        'dynalite + fauxqs + local workflow',
      ),
      [
        '(a) CDK synth of DRILL_CONFIG, once per process',
        ms(a.synthMs),
        '',
        '',
        'cdk-nag included; the sandbox caches it',
      ],
    );
  }
  for (const [i, b] of (report.transitions ?? []).entries()) {
    const split = b.breakdown.incidents
      .flatMap((i) => i.executions.map((e) => `${e.trigger} ${e.transitions}`))
      .join(' + ');
    rows.push(
      summaryRow(
        `(b) state transitions per incident (${b.scenario}${i === 0 ? ', common path' : ''})`,
        b.perIncident,
        int,
        split,
      ),
      [
        `(b) Step Functions cost per incident (${b.scenario})`,
        usd(b.usdPerIncident),
        '',
        '',
        '$0.025 per 1,000 transitions, free tier ignored',
      ],
      [
        `(b) Step Functions cost per 1,000 incidents (${b.scenario})`,
        usd(b.usdPer1000Incidents),
        '',
        '',
        'Lambda, DynamoDB, SNS not included',
      ],
    );
  }
  const c = report.bundles;
  if (c) {
    for (const bundle of c.bundles) {
      rows.push([
        `(c) ${bundle.name} cold load (child − baseline)`,
        ms(bundle.coldLoadMs),
        ms(bundle.childMs.min - c.baselineMs.median),
        ms(bundle.childMs.max - c.baselineMs.median),
        `${bytes(bundle.bytes)}, ${bytes(bundle.gzipBytes)} gzip; min/max: child min/max − baseline median`,
      ]);
    }
    rows.push(
      summaryRow(
        '(c) baseline `node -e ""`',
        c.baselineMs,
        ms,
        'same env, NODE_OPTIONS=--enable-source-maps as deployed',
      ),
    );
  }
  const d = report.storm;
  if (d) {
    const runs = d.perRun;
    rows.push(
      summaryRow(
        `(d) ${d.scenario}: wall time`,
        d.wallMs,
        ms,
        `${int(runs[0]?.deliveries.total ?? 0)} deliveries; sandbox start-up included, its CDK synth (${ms(d.synthMs)}, once) not`,
      ),
      summaryRow(
        `(d) ${d.scenario}: events/s`,
        d.eventsPerSecond,
        (n) => n.toFixed(0),
        'deliveries / wall seconds',
      ),
      [
        `(d) ${d.scenario}: incidents / duplicate pages / lost / failed executions`,
        [
          sameInEveryRun(runs.map((r) => r.incidents)),
          sameInEveryRun(runs.map((r) => r.duplicatePages)),
          sameInEveryRun(runs.map((r) => r.deliveries.lost)),
          sameInEveryRun(runs.map((r) => r.failedExecutions)),
        ].join(' / '),
        '',
        '',
        `over all runs; expected ${STORM_SERVICES} / 0 / 0 / 0`,
      ],
    );
  }
  const e = report.rollback;
  if (e) {
    rows.push(
      summaryRow(
        `(e) ${e.scenario}: alarm -> rollback started (simulated)`,
        e.alarmToRollbackSeconds,
        (n) => `${n.toFixed(1)} s`,
        `goal < 60 s; ${e.rolledBackTo}; simulated time on the record's clock`,
      ),
      summaryRow(
        `(e) ${e.scenario}: drill wall time`,
        e.drillWallMs,
        ms,
        'whole 30-min scenario, sandbox start-up included',
      ),
    );
  }
  const f = report.postIncident;
  if (f) {
    rows.push(
      summaryRow(
        '(f) post-mortem reminder workflow: transitions (P1, done after 3 reminders)',
        f.reminderTransitions,
        int,
        `${f.remindersSent} reminders; ${usd(f.reminderTransitions.median * 0.000025)} per post-mortem; report ${bytes(f.reportBytes)}`,
      ),
      summaryRow(
        `(f) incident stats --since 30d over ${int(f.statsIncidents)} incidents`,
        f.statsWallMs,
        ms,
        'one query per status on byStatus + the summary; dynalite on loopback',
      ),
    );
  }
  const g = report.policySimulate;
  if (g) {
    const note = `${int(g.opened)} incidents opened, ${int(g.pages)} pages counted; in-process`;
    rows.push(
      summaryRow(`(g) policy simulate: ${int(g.stateChanges)} state changes`, g.simulateMs, ms, note),
      summaryRow(
        `(g) policy simulate: parse ${bytes(g.historyBytes)} of describe-alarm-history JSON, route, simulate`,
        g.parseRouteSimulateMs,
        ms,
        note,
      ),
    );
  }
  const h = report.oncall;
  if (h) {
    rows.push(
      summaryRow(
        `(h) on-call: resolve the on-call tier at ${int(h.resolutions)} minutes (a week)`,
        h.weekMs,
        ms,
        `${h.perResolutionUs.toFixed(1)} us per resolution (median week); in-process`,
      ),
      summaryRow(`(h) on-call: shifts of 2026 (${int(h.yearShifts)})`, h.yearShiftsMs, ms, 'in-process'),
    );
  }
  return rows;
};

const transitionsSection = (b: TransitionsResult): string[] => [
  `## (b) Transitions per execution (${b.scenario}, last run)`,
  '',
  table(
    ['Incident', 'Trigger', 'Outcome', 'Status', 'States entered', 'Transitions', 'Lambda invocations'],
    ['l', 'l', 'l', 'l', 'l', 'r', 'r'],
    [
      ...b.breakdown.incidents.flatMap((i) => i.executions.map((e) => ({ id: i.incidentId, e }))),
      ...b.breakdown.unattributed.map((e) => ({ id: '(none)', e })),
    ].map(({ id, e }) => [
      id,
      e.trigger,
      e.outcome,
      e.status,
      e.states.join(' → '),
      int(e.transitions),
      int(e.lambdaInvocations),
    ]),
  ),
  '',
];

const bundlesSection = (c: BundlesResult): string[] => [
  '## (c) Lambda bundles',
  '',
  table(
    [
      'Bundle',
      'index.mjs',
      'gzip -9',
      'source map',
      'cold load',
      'child (min–max)',
      'cold load w/o source maps',
      'SDK floor (child − baseline)',
      'own (child − SDK floor)',
      'largest inputs',
    ],
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    c.bundles.map((bundle) => [
      bundle.name,
      bytes(bundle.bytes),
      bytes(bundle.gzipBytes),
      bytes(bundle.sourceMapBytes),
      ms(bundle.coldLoadMs),
      `${ms(bundle.childMs.median)} (${bundle.childMs.min.toFixed(1)}–${bundle.childMs.max.toFixed(1)})`,
      ms(bundle.coldLoadNoSourceMapsMs),
      `${ms(bundle.sdkFloorMs.median - c.baselineMs.median)} (${bundle.sdkModules.length} clients)`,
      ms(bundle.ownLoadMs),
      bundle.largestInputs
        .slice(0, 3)
        .map((i) => `${i.source} ${int(i.bytes)}`)
        .join(', '),
    ]),
  ),
  '',
  `Baseline \`node -e ""\`: ${ms(c.baselineMs.median)} with --enable-source-maps, ${ms(c.baselineNoSourceMapsMs.median)} without. ` +
    'Bundled with esbuild as IncidentFunction bundles (ESM, target node24, minify, source map, @aws-sdk/* external, ' +
    'config/example.json validated and written beside each bundle as config.json with its sha256). The child imports ' +
    "the bundle with the env the stack sets (fake ARNs); @aws-sdk/* resolve to the project's node_modules through a " +
    'link beside the bundles, standing in for the SDK the Lambda runtime ships. The SDK floor imports only the ' +
    "bundle's external @aws-sdk/* modules; own = child − SDK floor. Local node on this machine, not Lambda's Node 24 on arm64.",
  '',
];

export const renderMarkdown = (report: BenchReport): string => {
  const env = report.environment;
  const lines = [
    '# Benchmarks',
    '',
    `${report.generatedAt} · node ${env.node} · ${env.platform}/${env.arch} · ${env.cpus} × ${env.cpuModel} · ` +
      `${report.runs} runs per measure (median, min, max)`,
    '',
    `> ${LOCAL_NOTE}`,
    '',
    table(['Measure', 'Median', 'Min', 'Max', 'Note'], ['l', 'r', 'r', 'r', 'l'], summaryRows(report)),
    '',
  ];
  for (const b of report.transitions ?? []) lines.push(...transitionsSection(b));
  if (report.bundles) lines.push(...bundlesSection(report.bundles));
  return lines.join('\n');
};
