import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretsAdapter, SecretValueError } from '../../../lambdas/adapters/secrets';

const SECRET_ID = 'incident-response/link-signing';

/** GetSecretValue as the SDK returns it (the shape of the API reference's example). */
const secretValue = (
  SecretString: string | undefined,
  VersionId = 'EXAMPLE1-90ab-cdef-fedc-ba987SECRET1',
): GetSecretValueCommandOutput => ({
  $metadata: { httpStatusCode: 200, requestId: 'req-1', attempts: 1, totalRetryDelay: 0 },
  ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SECRET_ID}-a1b2c3`,
  Name: SECRET_ID,
  VersionId,
  ...(SecretString === undefined ? { SecretBinary: new Uint8Array([1, 2, 3]) } : { SecretString }),
  VersionStages: ['AWSCURRENT'],
  CreatedDate: new Date('2026-11-01T00:00:00.000Z'),
});

const secrets = mockClient(SecretsManagerClient);
let clockMs: number;
const adapter = (ttlMs?: number) =>
  new SecretsAdapter(new SecretsManagerClient({}), SECRET_ID, {
    clock: () => clockMs,
    ...(ttlMs ? { ttlMs } : {}),
  });

beforeEach(() => {
  secrets.reset();
  clockMs = Date.parse('2026-11-23T10:00:00.000Z');
});

describe('SecretsAdapter.value', () => {
  it('reads the SecretString of the configured secret', async () => {
    secrets.on(GetSecretValueCommand).resolves(secretValue('first-secret'));

    expect(await adapter().value()).toBe('first-secret');
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: SECRET_ID });
  });

  it('keeps the value for 5 minutes by default, then reads it again (a rotation is picked up)', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce(secretValue('first-secret'))
      .resolves(secretValue('rotated-secret', 'EXAMPLE2'));
    const cached = adapter();

    expect(await cached.value()).toBe('first-secret');
    clockMs += 5 * 60_000 - 1;
    expect(await cached.value()).toBe('first-secret');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);

    clockMs += 1;
    expect(await cached.value()).toBe('rotated-secret');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('honours a configured TTL', async () => {
    secrets.on(GetSecretValueCommand).resolves(secretValue('s'));
    const cached = adapter(1_000);

    await cached.value();
    clockMs += 1_000;
    await cached.value();

    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('concurrent cold callers share one request', async () => {
    secrets.on(GetSecretValueCommand).resolves(secretValue('shared'));
    const cached = adapter();

    const values = await Promise.all([cached.value(), cached.value(), cached.value()]);

    expect(values).toEqual(['shared', 'shared', 'shared']);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('does not keep a failed read: the next call tries again', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(
        new ResourceNotFoundException({
          message: 'Secrets Manager can’t find the specified secret.',
          $metadata: {},
        }),
      )
      .resolves(secretValue('after-failure'));
    const cached = adapter();

    await expect(cached.value()).rejects.toThrow(ResourceNotFoundException);
    expect(await cached.value()).toBe('after-failure');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('refuses a secret with no SecretString (binary) or an empty one', async () => {
    secrets.on(GetSecretValueCommand).resolvesOnce(secretValue(undefined)).resolves(secretValue(''));
    const cached = adapter();

    await expect(cached.value()).rejects.toThrow(SecretValueError);
    await expect(cached.value()).rejects.toThrow(`secret ${SECRET_ID} has no SecretString`);
  });
});
