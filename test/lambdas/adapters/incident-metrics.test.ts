import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { EmfIncidentMetrics, RecordingIncidentMetrics } from '../../../lambdas/adapters/incident-metrics';
import { INCIDENT_METRICS } from '../../../lambdas/contract/metrics-design';
import {
  type Actor,
  acknowledge,
  advance,
  appendEntries,
  type Incident,
  moveTo,
  openIncident,
} from '../../../lambdas/domain/incident';
import type { Severity } from '../../../lambdas/domain/severity';

const t0 = new Date('2026-11-23T10:00:00.000Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const alice: Actor = { type: 'human', name: 'alice' };
const automation: Actor = { type: 'automation', name: 'automation' };

const opened = (service: string, severity: Severity): Incident =>
  openIncident({
    id: `INC-${service}`,
    dedupKey: `service=${service}|alarm=${service}-errors`,
    signal: { alarmName: `${service}-errors`, state: 'ALARM', at: t0.toISOString(), service },
    severity,
    severityReason: `configured ${severity}`,
    title: `${service}: errors`,
    now: t0,
  });

/** Acknowledged at 4 min, rolled back at 9, the alarm OK at 21. */
const resolvedByAutomation = (): Incident => {
  let i = acknowledge(opened('checkout', 'P2'), alice, at(4));
  i = appendEntries(i, at(9), {
    kind: 'action',
    actor: automation,
    summary: 'started: roll back checkout to checkout:41',
    details: { playbook: 'rollback', executed: true },
  });
  i = advance(i, 'MITIGATING', automation, at(9));
  return moveTo(i, 'RESOLVED', { type: 'alarm', name: 'checkout-errors' }, at(21));
};

interface EmfLine {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit: string }>;
    }>;
  };
  [key: string]: unknown;
}

let write: MockInstance<typeof process.stdout.write>;
const written = (): EmfLine[] =>
  write.mock.calls
    .map(([chunk]) => String(chunk))
    .join('')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as EmfLine);

beforeEach(() => {
  write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  write.mockRestore();
});

describe('EmfIncidentMetrics', () => {
  it('writes each event at once; a flush adds nothing', () => {
    const metrics = new EmfIncidentMetrics();
    metrics.incidentOpened(opened('checkout', 'P2'));
    expect(written()).toHaveLength(2);
    metrics.flush();
    expect(written()).toHaveLength(2);
  });

  it('an opened incident: one Count in the namespace, under Service+Severity and under Severity alone', () => {
    const metrics = new EmfIncidentMetrics();
    metrics.incidentOpened(opened('checkout', 'P1'));
    metrics.flush();
    const [perService, perSeverity] = written();
    expect(perService?._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'IncidentResponse',
        Dimensions: [['Service', 'Severity']],
        Metrics: [{ Name: 'IncidentsOpened', Unit: 'Count' }],
      },
    ]);
    expect(perService).toMatchObject({ Service: 'checkout', Severity: 'P1', IncidentsOpened: 1 });
    expect(perService).not.toHaveProperty('service');
    expect(perSeverity?._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'IncidentResponse',
        Dimensions: [['Severity']],
        Metrics: [{ Name: 'IncidentsOpened', Unit: 'Count' }],
      },
    ]);
    expect(perSeverity).toMatchObject({ Severity: 'P1', IncidentsOpened: 1 });
    expect(perSeverity).not.toHaveProperty('Service');
  });

  it('a resolution: timings in minutes from the record, and who resolved it', () => {
    const metrics = new EmfIncidentMetrics();
    metrics.incidentResolved(resolvedByAutomation());
    metrics.flush();
    const lines = written();
    expect(lines.map((l) => l._aws.CloudWatchMetrics[0]?.Dimensions)).toEqual([
      [['Service', 'Severity']],
      [['Severity']],
    ]);
    const [line, perSeverity] = lines;
    expect(perSeverity?._aws.CloudWatchMetrics[0]?.Metrics).toEqual(line?._aws.CloudWatchMetrics[0]?.Metrics);
    expect(perSeverity).toMatchObject({ TimeToResolve: 21, ResolvedByAutomation: 1 });
    expect(line?._aws.CloudWatchMetrics[0]?.Metrics).toEqual([
      { Name: 'IncidentsResolved', Unit: 'Count' },
      { Name: 'TimeToAcknowledge', Unit: 'None' },
      { Name: 'TimeToMitigate', Unit: 'None' },
      { Name: 'TimeToResolve', Unit: 'None' },
      { Name: 'ResolvedByAutomation', Unit: 'Count' },
      { Name: 'ResolvedByHuman', Unit: 'Count' },
      { Name: 'ResolvedOnItsOwn', Unit: 'Count' },
    ]);
    expect(line).toMatchObject({
      Service: 'checkout',
      Severity: 'P2',
      IncidentsResolved: 1,
      TimeToAcknowledge: 4,
      TimeToMitigate: 9,
      TimeToResolve: 21,
      ResolvedByAutomation: 1,
      ResolvedByHuman: 0,
      ResolvedOnItsOwn: 0,
    });
  });

  it('a timing the record does not have is not emitted', () => {
    const metrics = new EmfIncidentMetrics();
    metrics.incidentResolved(moveTo(opened('search', 'P3'), 'RESOLVED', alice, at(30)));
    metrics.flush();
    const [line] = written();
    const names = line?._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name);
    expect(names).not.toContain('TimeToAcknowledge');
    expect(names).not.toContain('TimeToMitigate');
    expect(line).toMatchObject({ TimeToResolve: 30, ResolvedByHuman: 1, ResolvedByAutomation: 0 });
  });

  it("two incidents' dimensions never mix: their own lines each", () => {
    const metrics = new EmfIncidentMetrics();
    metrics.incidentOpened(opened('checkout', 'P1'));
    metrics.incidentSuppressed(opened('payments', 'P3'));
    metrics.postMortemReminder(opened('search', 'P2'));
    metrics.flush();
    const lines = written();
    expect(lines.map((l) => [l.Service, l.Severity, l._aws.CloudWatchMetrics[0]?.Metrics[0]?.Name])).toEqual([
      ['checkout', 'P1', INCIDENT_METRICS.names.opened],
      [undefined, 'P1', INCIDENT_METRICS.names.opened],
      ['payments', 'P3', INCIDENT_METRICS.names.suppressed],
      [undefined, 'P3', INCIDENT_METRICS.names.suppressed],
      ['search', 'P2', INCIDENT_METRICS.names.postMortemReminders],
      [undefined, 'P2', INCIDENT_METRICS.names.postMortemReminders],
    ]);
    expect(lines[2]).not.toHaveProperty('IncidentsOpened');
  });
});

describe('RecordingIncidentMetrics', () => {
  it('keeps the same points the EMF sink writes', () => {
    const recording = new RecordingIncidentMetrics();
    recording.incidentResolved(resolvedByAutomation());
    const dimensions = { Service: 'checkout', Severity: 'P2' };
    expect(recording.records).toEqual([
      { name: 'IncidentsResolved', value: 1, unit: 'Count', dimensions },
      { name: 'TimeToAcknowledge', value: 4, unit: 'None', dimensions },
      { name: 'TimeToMitigate', value: 9, unit: 'None', dimensions },
      { name: 'TimeToResolve', value: 21, unit: 'None', dimensions },
      { name: 'ResolvedByAutomation', value: 1, unit: 'Count', dimensions },
      { name: 'ResolvedByHuman', value: 0, unit: 'Count', dimensions },
      { name: 'ResolvedOnItsOwn', value: 0, unit: 'Count', dimensions },
    ]);
  });
});
