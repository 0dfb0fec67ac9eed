/**
 * The links in the pages the CLI sends on a deployed stack (`incident ack --stack` and the rest): to
 * the stack's responder endpoint, signed with its secret read with the user's credentials, as the
 * lifecycle signs them. The secret comes from the Secrets Manager stand-in on loopback.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linksOf } from '../../cli/deployed-stack';
import { verifyViewLink, viewLinkFor } from '../../lambdas/domain/links';
import { LocalAwsJson } from '../../sandbox/local-aws/json-protocol';
import { secretsManagerService } from '../../sandbox/stack-stand-ins';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:SigningSecret-AbCdEf';
const SECRET = 'the-stack-signing-secret-0123456789-abcdefghij';
const OUTPUTS = {
  ResponderUrl: 'https://abc123.lambda-url.eu-west-1.on.aws/',
  SigningSecretArn: ARN,
  LinkTtlMinutes: '1440',
};

let local: LocalAwsJson;
const regions: string[] = [];
const clientFor = (region: string) => {
  regions.push(region);
  return new SecretsManagerClient({
    region,
    endpoint: local.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
};

beforeAll(async () => {
  local = await LocalAwsJson.start([secretsManagerService({ [ARN]: SECRET })]);
});
afterAll(() => local.stop());

describe('the links of the pages the CLI sends', () => {
  it("point at the stack's endpoint, live the stack's TTL, and sign with its secret, read in the secret's region", async () => {
    const { links } = linksOf(OUTPUTS, clientFor);

    expect(links).toMatchObject({ baseUrl: OUTPUTS.ResponderUrl, ttlMinutes: 1440 });
    const secret = (await links?.secret()) ?? '';
    expect(secret).toBe(SECRET);
    expect(regions).toEqual(['eu-west-1']);
    const now = new Date('2026-12-03T12:00:00.000Z');
    const token = viewLinkFor(
      { incidentId: 'INC-20261203-001', recipient: 'on-call', now, ttlMinutes: 1440 },
      secret,
    );
    expect(verifyViewLink(token, SECRET, now)).toMatchObject({ inc: 'INC-20261203-001' });
  });

  it.each([
    ['ResponderUrl', { ...OUTPUTS, ResponderUrl: '' }],
    [
      'SigningSecretArn (a stack deployed before it)',
      { ResponderUrl: OUTPUTS.ResponderUrl, LinkTtlMinutes: '1440' },
    ],
    ['a LinkTtlMinutes that is not a whole number of minutes', { ...OUTPUTS, LinkTtlMinutes: '1.5' }],
  ])('are left out without %s: the pages name the CLI instead', (_what, outputs) => {
    expect(linksOf(outputs, clientFor)).toEqual({});
  });
});
