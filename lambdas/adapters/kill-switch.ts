/**
 * The automation kill switch: an SSM String parameter an operator flips to stop every automatic
 * action at once, without a deploy (`aws ssm put-parameter --overwrite --name <name> --value off`).
 *
 * Values, case and surrounding blanks ignored: `true`, `on`, `enabled` allow actions; `false`, `off`,
 * `disabled` stop them.
 *
 * Defaults, chosen to fail safe:
 * - The parameter does not exist (ParameterNotFound): actions are allowed, i.e. automation follows
 *   its configuration (automation enabled, allowlist, dry run, approval), which has its own off
 *   switches. The switch is an extra brake that exists once deployed; its absence is not an order.
 * - Anything else (access denied, throttling, a value outside the lists above, a parameter that is
 *   not a plain String) throws: the caller records "kill switch unreadable" and refuses to act. A
 *   switch that cannot be read must never be taken as "on".
 */
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { IncidentError } from '../domain/errors';

/** The parameter exists but its value or type is not one the switch understands. */
export class KillSwitchValueError extends IncidentError {}

const ALLOW: ReadonlySet<string> = new Set(['true', 'on', 'enabled']);
const STOP: ReadonlySet<string> = new Set(['false', 'off', 'disabled']);

/** SSM says the parameter does not exist (matched by name, like every AWS error here). */
const isParameterNotFound = (error: unknown): boolean =>
  (error as { name?: unknown } | undefined)?.name === 'ParameterNotFound';

export class KillSwitch {
  constructor(
    private readonly ssm: SSMClient,
    readonly parameterName: string,
  ) {}

  /** Whether automation may act now (one GetParameter). */
  async allowsActions(): Promise<boolean> {
    let parameter: { Type?: string; Value?: string } | undefined;
    try {
      ({ Parameter: parameter } = await this.ssm.send(new GetParameterCommand({ Name: this.parameterName })));
    } catch (error) {
      if (isParameterNotFound(error)) return true;
      throw error;
    }
    if (parameter?.Type !== 'String')
      throw new KillSwitchValueError(
        `kill switch ${this.parameterName}: expected a String parameter, got ${parameter?.Type ?? 'none'}`,
      );
    const value = (parameter.Value ?? '').trim().toLowerCase();
    if (ALLOW.has(value)) return true;
    if (STOP.has(value)) return false;
    throw new KillSwitchValueError(
      `kill switch ${this.parameterName}: value "${parameter.Value ?? ''}" is not one of ` +
        `${[...ALLOW, ...STOP].join(', ')}`,
    );
  }
}
