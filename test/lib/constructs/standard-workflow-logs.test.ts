import { describe, expect, it } from 'vitest';
import { appTemplate } from '../../support/app-template';

// biome-ignore lint/suspicious/noExplicitAny: template JSON, read freely
type Raw = Record<string, any>;

describe('standardWorkflow log groups in the stack', () => {
  it('name each state machine its own log group under /aws/vendedlogs/states/, clear of the Logs resource-policy size limit', () => {
    const resources: Record<string, Raw> = appTemplate().toJSON().Resources;
    const logGroupOf = (machine: Raw): Raw => {
      const arn = machine.Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn;
      const [id, attribute] = arn['Fn::GetAtt'];
      expect(attribute).toBe('Arn');
      const logGroup = resources[id];
      if (!logGroup) throw new Error(`No resource ${id}`);
      return logGroup;
    };
    const machines = Object.values(resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');

    expect(
      Object.fromEntries(
        machines.map((m) => [m.Properties.StateMachineName, logGroupOf(m).Properties.LogGroupName]),
      ),
    ).toEqual({
      'IncidentResponse-lifecycle': '/aws/vendedlogs/states/IncidentResponse-lifecycle',
      'IncidentResponse-escalation': '/aws/vendedlogs/states/IncidentResponse-escalation',
      'IncidentResponse-postmortem': '/aws/vendedlogs/states/IncidentResponse-postmortem',
    });
  });
});
