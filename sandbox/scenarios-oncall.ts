/**
 * On-call drills (issue 13): the seed's schedule, where the primary covers business hours in New York
 * and the secondary the nights and weekends for P1 only, and a P1 that fires when only the secondary
 * is on call.
 */
import type { DeploymentConfigInput } from '../lambdas/contract/config-schema';
import { localAt, resolveLocal, weekdayOf } from '../lambdas/domain/oncall-time';
import { contacts, DRILL_CONFIG, type Scenario } from './scenario-kit';

const NEW_YORK = 'America/New_York';
const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI'] as const;

/** The seed's app schedule, as the README shows it: `on-call` pages it, devops-lead is the fallback. */
export const ONCALL_DRILL_CONFIG: DeploymentConfigInput = {
  ...DRILL_CONFIG,
  contacts: { ...contacts, 'on-call': { schedule: 'app' } },
  oncall: {
    people: [
      { name: 'alice-ng', email: 'alice.ng@example.com', sms: '+15550100011' },
      { name: 'bob-ortiz', email: 'bob.ortiz@example.com', sms: '+15550100012' },
      { name: 'carol-diaz', email: 'carol.diaz@example.com', sms: '+15550100013' },
      { name: 'dan-kim', email: 'dan.kim@example.com', sms: '+15550100014' },
    ],
    calendars: {
      'business-hours': {
        timeZone: NEW_YORK,
        hours: Object.fromEntries(WEEKDAYS.map((d) => [d, ['09:00-17:00']])),
        holidays: ['2026-12-25', '2027-01-01'],
      },
    },
    schedules: {
      app: {
        timeZone: NEW_YORK,
        layers: [
          {
            name: 'primary',
            members: ['alice-ng', 'bob-ortiz'],
            rotation: {
              unit: 'week',
              every: 1,
              handoff: { weekday: 'MON', time: '09:00' },
              anchor: '2026-11-30',
            },
            activeDuring: 'business-hours',
          },
          {
            name: 'secondary',
            members: ['carol-diaz', 'dan-kim'],
            rotation: { unit: 'day', every: 1, handoff: { time: '09:00' }, anchor: '2026-11-30' },
            activeOutside: 'business-hours',
            severities: ['P1'],
          },
        ],
      },
    },
    fallback: ['devops-lead'],
    deferral: { P3: 'business-hours', P4: 'business-hours' },
  },
  // Nothing restarts payments by itself: the pages and the escalation are the story.
  automation: { allowlist: [] },
};

/**
 * The latest Saturday 03:00 in New York at least a day before `now`: a night the secondary holds,
 * in the past, so the drill's record never sits ahead of the real clock (where a later drill would
 * find it "resolved minutes ago" and reopen it).
 */
export const lastSaturdayNight = (now: Date): Date => {
  const today = localAt(NEW_YORK, now.getTime()).day;
  const saturday = today - 1 - ((weekdayOf(today - 1) - 6 + 7) % 7);
  return new Date(resolveLocal(NEW_YORK, saturday, 3 * 60).instant);
};

/**
 * A P1 at Sat 03:00 in New York: the secondary on call that night is paged, again at +5 and +10 min
 * while nobody acknowledges, and devops-lead at +60 min while unresolved; the service comes back at
 * minute 75 and the incident resolves. The tests play it on 2026-12-05 (08:00 UTC), carol-diaz's night.
 */
export const afterHours: Scenario = {
  name: 'after-hours',
  seed: '002 "On-Call Rotation" (secondary: nights and weekends, P1 only) with the 003 escalation tiers',
  summary:
    'payments-api loses every task at Sat 03:00 New York; the secondary on call is paged, then the policy escalates to devops-lead.',
  config: ONCALL_DRILL_CONFIG,
  start: lastSaturdayNight,
  durationMinutes: 90,
  steps: [
    {
      atMinute: 2,
      actor: 'environment',
      narrate: 'payments-api tasks crash on start: running 0 of 3',
      apply: (env) => {
        env.setTasks('payments', { running: 0 });
        env.crash('payments', 'payments-api:16', 'Essential container in task exited', 1);
        env.log('payments', 'FATAL could not open secret payments/db-password: AccessDeniedException');
      },
    },
    {
      atMinute: 75,
      actor: 'responder',
      narrate: 'the secret is restored: payments-api running 3 of 3',
      apply: (env) => env.setTasks('payments', { running: 3 }),
    },
  ],
};
