import { readFileSync } from 'node:fs';
import {
  GetParameterCommand,
  type GetParameterCommandOutput,
  InternalServerError,
  ParameterNotFound,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { KillSwitch, KillSwitchValueError } from '../../../lambdas/adapters/kill-switch';

const FIXTURES = new URL('../../fixtures/aws/', import.meta.url);

/** A fixture as the SDK would return it: a fresh copy, LastModifiedDate (epoch seconds) as a Date. */
const load = (name: string): GetParameterCommandOutput =>
  JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'), (key, value) =>
    key === 'LastModifiedDate' ? new Date(Math.round((value as number) * 1000)) : value,
  ) as GetParameterCommandOutput;

/** The aws-cli GetParameter example with its value replaced. */
const withValue = (value: string): GetParameterCommandOutput => {
  const out = load('ssm-get-parameter-aws-cli-example.json');
  return { ...out, Parameter: { ...out.Parameter, Value: value } };
};

const ssm = mockClient(SSMClient);
const killSwitch = new KillSwitch(new SSMClient({}), '/incident-response/automation/enabled');

beforeEach(() => {
  ssm.reset();
});

describe('KillSwitch.allowsActions', () => {
  it('reads the configured parameter', async () => {
    ssm.on(GetParameterCommand).resolves(withValue('true'));

    await killSwitch.allowsActions();

    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: '/incident-response/automation/enabled',
    });
  });

  it.each(['true', 'on', 'enabled', 'TRUE', ' On\n'])(
    'allows actions when the value is %j',
    async (value) => {
      ssm.on(GetParameterCommand).resolves(withValue(value));

      await expect(killSwitch.allowsActions()).resolves.toBe(true);
    },
  );

  it.each(['false', 'off', 'disabled', 'OFF', ' Disabled '])(
    'stops actions when the value is %j',
    async (value) => {
      ssm.on(GetParameterCommand).resolves(withValue(value));

      await expect(killSwitch.allowsActions()).resolves.toBe(false);
    },
  );

  it('refuses a value it does not understand rather than guessing', async () => {
    ssm.on(GetParameterCommand).resolves(load('ssm-get-parameter-aws-cli-example.json'));

    const failure = killSwitch.allowsActions();

    await expect(failure).rejects.toBeInstanceOf(KillSwitchValueError);
    await expect(failure).rejects.toThrow('value "Good day sunshine" is not one of');
  });

  it.each(['', 'yes', '0'])('refuses the value %j', async (value) => {
    ssm.on(GetParameterCommand).resolves(withValue(value));

    await expect(killSwitch.allowsActions()).rejects.toBeInstanceOf(KillSwitchValueError);
  });

  it('refuses a parameter that is not a plain String', async () => {
    ssm.on(GetParameterCommand).resolves(load('ssm-get-parameter-secure-string-aws-cli-example.json'));

    await expect(killSwitch.allowsActions()).rejects.toThrow(
      new KillSwitchValueError(
        'kill switch /incident-response/automation/enabled: expected a String parameter, got SecureString',
      ),
    );
  });

  it('lets automation follow its configuration when the parameter does not exist', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: '', $metadata: {} }));

    await expect(killSwitch.allowsActions()).resolves.toBe(true);
  });

  it('throws any other SSM error with its name, so the caller refuses to act', async () => {
    ssm.on(GetParameterCommand).rejects(new InternalServerError({ message: 'internal', $metadata: {} }));

    await expect(killSwitch.allowsActions()).rejects.toMatchObject({ name: 'InternalServerError' });
  });

  it('throws an access or throttling error by its name too', async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(killSwitch.allowsActions()).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});
