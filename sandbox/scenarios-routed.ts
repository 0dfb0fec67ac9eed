/**
 * Drills beyond the stack's own ECS alarms: an alarm the team already had, routed to a service with
 * no ECS part (rds-cpu), and ECS's own circuit breaker reporting on an open incident (ecs-rollback).
 */
import { DRILL_CONFIG, type Scenario, shipBadBuild } from './scenario-kit';

/**
 * The team's own alarm on an RDS instance, routed by its tags to a service with no ECS part: the
 * diagnosis reads the alarm's metric and the database's log group, the page goes out, and nothing
 * calls ECS.
 */
export const rdsCpu: Scenario = {
  name: 'rds-cpu',
  seed: '000 "If: Database Issue" (slow queries, connection pool)',
  summary:
    'a runaway query pins the orders-db RDS instance at 97% CPU; its own alarm, routed by its tags, pages for orders-db.',
  config: {
    ...DRILL_CONFIG,
    otherServices: [
      {
        name: 'orders-db',
        description: 'the orders PostgreSQL database (RDS)',
        runbookUrl: 'https://runbooks.example.com/orders-db',
        logGroup: '/aws/rds/instance/orders-db/postgresql',
      },
    ],
    routing: {
      rules: [
        {
          id: 'rds-by-team',
          match: { namespace: 'AWS/RDS', tags: { team: 'orders' } },
          service: 'orders-db',
          severityFromTag: 'severity',
        },
      ],
      default: { action: 'open', severity: 'P3' },
    },
  },
  durationMinutes: 30,
  steps: [
    {
      atMinute: 0,
      actor: 'environment',
      narrate:
        "the orders-db RDS instance and the team's own alarm orders-db-cpu (tags team=orders, severity=P2)",
      apply: (env) => {
        env.addResource('orders-db', {
          namespace: 'AWS/RDS',
          metricName: 'CPUUtilization',
          dimensions: { DBInstanceIdentifier: 'orders-db' },
          value: 30,
          logGroup: '/aws/rds/instance/orders-db/postgresql',
        });
        env.addAlarm({
          alarmName: 'orders-db-cpu',
          resource: 'orders-db',
          threshold: 80,
          evaluationPeriods: 3,
          tags: { team: 'orders', severity: 'P2' },
        });
      },
    },
    {
      atMinute: 2,
      actor: 'environment',
      narrate: 'a runaway report query: orders-db CPU 97%, statements time out',
      apply: (env) => {
        env.resource('orders-db').value = 97;
        for (let i = 0; i < 3; i++)
          env.logResource('orders-db', 'ERROR: canceling statement due to statement timeout');
      },
    },
    {
      atMinute: 18,
      actor: 'responder',
      narrate: 'the DBA cancels the report query: orders-db CPU back to 30%',
      apply: (env) => {
        env.resource('orders-db').value = 30;
      },
    },
  ],
};

/**
 * ECS's own deployment circuit breaker rolls a bad deploy back while the incident is open: its events
 * go on that incident's timeline (the rollback delivered twice, as EventBridge may), and the incident
 * resolves when the error rate clears. Automation may not act on checkout here, so the rollback is ECS's.
 */
export const ecsRollback: Scenario = {
  name: 'ecs-rollback',
  seed: '000 scenario 2 (high error rate after a deployment), ECS deployment circuit breaker',
  summary:
    "checkout:42 fails 35% of requests; ECS's circuit breaker rolls it back at minute 6 and its events join the open incident.",
  config: { ...DRILL_CONFIG, automation: { allowlist: ['payments'] } },
  durationMinutes: 30,
  steps: [
    shipBadBuild(35),
    {
      atMinute: 6,
      actor: 'environment',
      narrate: 'the ECS deployment circuit breaker fails checkout:42 and rolls back to checkout:41',
      apply: (env) => env.circuitBreakerRollback('checkout', 2),
    },
  ],
};
