/**
 * The deployment config as it travels with the code: `cdk synth` validates the config once (config.ts)
 * and writes the result beside each Lambda bundle as `config.json`, with its SHA-256 in
 * `config.json.sha256`. At cold start the function reads the file and checks the digest; it does not
 * validate again (full zod is ~470 KB of bundle and hundreds of ms of cold start). A file edited after
 * synth, truncated or from another build is refused with a message that says what to do.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeploymentConfig } from './config-schema';

/** The validated deployment config's file in the asset, beside the bundle. */
export const CONFIG_FILE = 'config.json';
/** The SHA-256 (hex) of {@link CONFIG_FILE}'s exact bytes. */
export const CONFIG_DIGEST_FILE = 'config.json.sha256';

export const configDigest = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * Writes a config that has passed `parseConfig` into `dir`, with its digest: the digest first, then
 * the config through a rename, so a config file that exists is whole and a dir that has one is done.
 */
export const writeBundledConfig = (dir: string, config: DeploymentConfig): void => {
  const text = JSON.stringify(config);
  writeFileSync(join(dir, CONFIG_DIGEST_FILE), configDigest(text));
  const tmp = join(dir, `${CONFIG_FILE}.${randomUUID()}`);
  writeFileSync(tmp, text);
  renameSync(tmp, join(dir, CONFIG_FILE));
};

/** The bundled config could not be read, or is not the one synth validated. */
export class BundledConfigError extends Error {
  override readonly name = 'BundledConfigError';
}

/**
 * Reads the config `cdk synth` wrote into `dir`.
 * @throws BundledConfigError naming the file: missing, digest mismatch, not JSON
 */
export const readBundledConfig = (dir: string): DeploymentConfig => {
  const file = join(dir, CONFIG_FILE);
  let text: string;
  let digest: string;
  try {
    text = readFileSync(file, 'utf8');
    digest = readFileSync(join(dir, CONFIG_DIGEST_FILE), 'utf8').trim();
  } catch (cause) {
    throw new BundledConfigError(`the bundled deployment config ${file} cannot be read`, { cause });
  }
  if (configDigest(text) !== digest)
    throw new BundledConfigError(
      `the bundled deployment config ${file} does not match the digest cdk synth wrote beside it (${CONFIG_DIGEST_FILE}): it was changed after validation. Edit the config file and redeploy instead`,
    );
  try {
    return JSON.parse(text) as DeploymentConfig;
  } catch (cause) {
    throw new BundledConfigError(`the bundled deployment config ${file} is not JSON`, { cause });
  }
};
