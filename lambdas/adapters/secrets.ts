/**
 * One secret from Secrets Manager (a SecretString): the link signing secret, a ticket API's token.
 * Read once and kept for the life of the container, re-read after a TTL so a rotated secret is picked
 * up without a deploy. Concurrent callers share one request; a failed read is not kept, so the next
 * call tries again.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { IncidentError } from '../domain/errors';

/** The secret exists but holds no usable string (binary only, or empty). */
export class SecretValueError extends IncidentError {}

export interface SecretsAdapterOptions {
  /** How long a secret read is kept, in ms. @default 300_000 (5 minutes) */
  readonly ttlMs?: number;
  /** Milliseconds since the epoch. @default Date.now */
  readonly clock?: () => number;
}

export const DEFAULT_SECRET_TTL_MS = 5 * 60_000;

export class SecretsAdapter {
  private readonly ttlMs: number;
  private readonly clock: () => number;
  private cached: { readonly value: Promise<string>; readonly readAt: number } | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    readonly secretId: string,
    options: SecretsAdapterOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_SECRET_TTL_MS;
    this.clock = options.clock ?? Date.now;
  }

  /** The secret's value: cached, at most one GetSecretValue per TTL. */
  value(): Promise<string> {
    const now = this.clock();
    if (this.cached && now - this.cached.readAt < this.ttlMs) return this.cached.value;
    const value = this.read();
    const entry = { value, readAt: now };
    this.cached = entry;
    value.catch(() => {
      if (this.cached === entry) this.cached = undefined;
    });
    return value;
  }

  private async read(): Promise<string> {
    const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    if (!SecretString)
      throw new SecretValueError(`secret ${this.secretId} has no SecretString: store the value as text`);
    return SecretString;
  }
}
