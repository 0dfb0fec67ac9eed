/** The automation function's reader of custom action secrets: loaded lazily, cached per container, retried after a failure. */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { secretReader } from '../../../lambdas/entries/action-ports';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:checkout/admin-token-AbCdEf';
const secrets = mockClient(SecretsManagerClient);

beforeEach(() => secrets.reset());

describe('secretReader', () => {
  it('reads a secret once and keeps it five minutes, in the region of its ARN', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'Bearer one' })
      .resolves({ SecretString: 'Bearer two' });
    let now = 0;
    const read = secretReader(() => now);

    expect(await read(ARN)).toBe('Bearer one');
    now = 299_000;
    expect(await read(ARN)).toBe('Bearer one');
    now = 300_000;
    expect(await read(ARN)).toBe('Bearer two');
    expect(secrets.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: ARN },
      { SecretId: ARN },
    ]);
    expect(await secrets.commandCalls(GetSecretValueCommand)[0]?.thisValue.config.region()).toBe('eu-west-1');
  });

  it('does not keep a failed read: the next call tries again', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(new Error('AccessDenied'))
      .resolves({ SecretString: 'Bearer ok' });
    const read = secretReader(() => 0);

    await expect(read(ARN)).rejects.toThrow('AccessDenied');
    expect(await read(ARN)).toBe('Bearer ok');
  });

  it('refuses a secret with no SecretString', async () => {
    secrets.on(GetSecretValueCommand).resolves({});
    await expect(secretReader()(ARN)).rejects.toThrow(/has no SecretString/);
  });
});
