import { beforeEach, describe, expect, it } from 'vitest';
import { RecordingIncidentMetrics } from '../../../lambdas/adapters/incident-metrics';
import type { WorkflowCallbacks } from '../../../lambdas/adapters/workflow-callbacks';
import { alarmIndex } from '../../../lambdas/contract/alarm-index';
import { parseConfig } from '../../../lambdas/contract/config';
import { INCIDENT_METRICS } from '../../../lambdas/contract/metrics-design';
import type { Incident } from '../../../lambdas/domain/incident';
import { IncidentService } from '../../../lambdas/services/incident-service';
import { declarationEvent, type IntakeDeps, intakeEvent } from '../../../lambdas/services/intake';
import {
  liftSilences,
  type SilenceDeps,
  setSilence,
  suppressionFor,
} from '../../../lambdas/services/silences';
import { DRILL_CONFIG } from '../../../sandbox/scenarios';
import { alarmTransition } from '../../support/events';
import { useLocalDynamo } from '../../support/local-dynamo';

// Intake over dynalite with silences set through the service, as `incident silence` sets them.

const T0 = new Date('2026-11-23T10:00:00.000Z'); // a Monday; DRILL_CONFIG has no maintenance windows
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE);
const iso = (d: Date) => d.toISOString();
const ALARM_NAME = 'checkout-tasks-below-desired';

/** The AWS sample, renamed to a configured alarm, in `state` at `when` (CloudWatch's +0000 form). */
const alarmEvent = (state: 'ALARM' | 'OK', when: Date) => {
  const event = alarmTransition(ALARM_NAME, state, when);
  event.resources = [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${ALARM_NAME}`];
  return event;
};

const config = parseConfig(DRILL_CONFIG, 'drill config');

// A table per test: every test uses the same configured alarm, so its dedup key too.
const dynamo = useLocalDynamo({ perTest: true });
let now: Date;
const clock = () => now;
let silences: SilenceDeps;
let metrics: RecordingIncidentMetrics;
let resumed: string[];
let deps: IntakeDeps;

beforeEach(() => {
  now = T0;
  let ids = 0;
  silences = { store: dynamo.store, config, clock, newId: () => `sil-${++ids}` };
  metrics = new RecordingIncidentMetrics();
  resumed = [];
  const callbacks: WorkflowCallbacks = {
    succeed: async (token) => void resumed.push(token),
    fail: async () => {},
  };
  deps = {
    openIncidents: (service) => dynamo.store.listOpen(service),
    incidents: new IncidentService(
      dynamo.store,
      { dedupFields: config.dedupKey, reopenWindowMinutes: config.reopenWindowMinutes, resolveOnOk: true },
      clock,
    ),
    callbacks,
    config,
    alarms: alarmIndex(config),
    suppressionFor: (service, when) => suppressionFor(silences, service, when),
    metrics,
  };
});

/** Delivers `event` at `when` on the clock. */
const deliver = (event: unknown, when: Date) => {
  now = when;
  return intakeEvent(event, deps);
};

const stored = async (id: string | undefined): Promise<Incident> => {
  const incident = await dynamo.store.getIncident(id ?? '');
  if (!incident) throw new Error(`no incident ${id}`);
  return incident;
};

describe('intake under a silence', () => {
  it('an ALARM during a silence opens an incident already suppressed in its first write', async () => {
    const silence = await setSilence(silences, {
      service: 'checkout',
      forText: '2h',
      reason: 'database failover drill',
      by: 'bob',
    });
    expect(silence.until).toBe(iso(at(120)));

    const out = await deliver(alarmEvent('ALARM', at(5)), at(5));

    expect(out).toMatchObject({ outcome: 'opened', service: 'checkout', suppressedUntil: iso(at(120)) });
    const incident = await stored(out.incidentId);
    expect(incident.version).toBe(1);
    expect(incident.suppressed).toEqual({
      until: iso(at(120)),
      reason: 'database failover drill',
      source: 'silence',
      by: 'bob',
    });
    expect(incident.timeline.map((e) => e.kind)).toEqual(['detected', 'severity', 'note']);
    expect(metrics.records.filter((m) => m.name === INCIDENT_METRICS.names.suppressed)).toHaveLength(1);
  });

  it('its OK during the silence resolves it', async () => {
    await setSilence(silences, { service: 'checkout', forText: '2h', reason: 'failover', by: 'bob' });
    const opened = await deliver(alarmEvent('ALARM', at(5)), at(5));

    const ok = await deliver(alarmEvent('OK', at(10)), at(10));

    expect(ok).toMatchObject({ outcome: 'resolved', incidentId: opened.incidentId, status: 'RESOLVED' });
    expect(ok.suppressedUntil).toBeUndefined();
    const incident = await stored(opened.incidentId);
    expect(incident.status).toBe('RESOLVED');
    expect(incident.statusTimestamps.RESOLVED).toBe(iso(at(10)));
  });

  it('reopened while the silence still runs: suppressed again until its end', async () => {
    await setSilence(silences, { service: 'checkout', forText: '2h', reason: 'failover', by: 'bob' });
    const opened = await deliver(alarmEvent('ALARM', at(5)), at(5));
    await deliver(alarmEvent('OK', at(10)), at(10));

    const again = await deliver(alarmEvent('ALARM', at(20)), at(20));

    expect(again).toMatchObject({
      outcome: 'reopened',
      incidentId: opened.incidentId,
      suppressedUntil: iso(at(120)),
    });
    expect((await stored(opened.incidentId)).suppressed?.until).toBe(iso(at(120)));
  });

  it('reopened after the silence was lifted: not suppressed any more, and the record says why', async () => {
    await setSilence(silences, { service: 'checkout', forText: '2h', reason: 'failover', by: 'bob' });
    const opened = await deliver(alarmEvent('ALARM', at(5)), at(5));
    await deliver(alarmEvent('OK', at(10)), at(10));
    now = at(15);
    expect(await liftSilences(silences, 'checkout', 'carol')).toBe(1);

    // Within the 30 min reopen window of the resolution at minute 10.
    const again = await deliver(alarmEvent('ALARM', at(20)), at(20));

    expect(again).toMatchObject({ outcome: 'reopened', incidentId: opened.incidentId, status: 'DETECTED' });
    expect(again.suppressedUntil).toBeUndefined();
    const incident = await stored(opened.incidentId);
    expect(incident.suppressed).toBeUndefined();
    expect(incident.reopenCount).toBe(1);
    expect(incident.timeline.at(-1)?.summary).toBe(
      'reopened with no silence in force: handled and paged as usual',
    );
  });

  it('a declared incident is never suppressed: a person asked for it', async () => {
    await setSilence(silences, { service: 'checkout', forText: '2h', reason: 'failover', by: 'bob' });
    const declared = declarationEvent({
      id: 'decl-1',
      at: at(5),
      service: 'checkout',
      severity: 'P2',
      title: 'customers report failed checkouts',
      by: 'alice',
    });

    const out = await deliver(declared, at(5));

    expect(out).toMatchObject({ outcome: 'opened', service: 'checkout', severity: 'P2' });
    expect(out.suppressedUntil).toBeUndefined();
    expect((await stored(out.incidentId)).suppressed).toBeUndefined();
    expect(metrics.records).toEqual([]);
  });
});

describe('suppressionFor caps a stored silence at silences.maxHours from its start', () => {
  it('a 72 h silence stored by a laxer config counts for 24 h only', async () => {
    expect(config.silences.maxHours).toBe(24);
    await dynamo.store.putSilence({
      service: 'checkout',
      id: 'sil-long',
      from: iso(T0),
      until: iso(new Date(T0.getTime() + 72 * HOUR)),
      reason: 'migration',
      by: 'dave',
    });
    const capped = iso(new Date(T0.getTime() + 24 * HOUR));

    expect(await suppressionFor(silences, 'checkout', at(60))).toEqual({
      until: capped,
      reason: 'migration',
      source: 'silence',
      by: 'dave',
    });
    expect(await suppressionFor(silences, 'checkout', new Date(T0.getTime() + 24 * HOUR))).toBeUndefined();
    expect(await suppressionFor(silences, 'checkout', new Date(T0.getTime() + 30 * HOUR))).toBeUndefined();

    const out = await deliver(alarmEvent('ALARM', at(60)), at(60));
    expect(out).toMatchObject({ outcome: 'opened', suppressedUntil: capped });
  });
});
