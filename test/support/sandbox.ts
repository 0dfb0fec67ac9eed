import { Sandbox, type SandboxOptions } from '../../sandbox/sandbox';

/** When the sandbox tests' simulated clock starts: a Monday, 10:00 UTC. */
export const START = new Date('2026-11-23T10:00:00.000Z');

/** `n` simulated minutes after {@link START}. */
export const minute = (n: number): Date => new Date(START.getTime() + n * 60_000);

/**
 * Starts a sandbox (at {@link START} unless told otherwise), lets `play` use it, and stops it after,
 * whether `play` ends or throws: one sandbox runs at a time in a process.
 */
export const withSandbox = async <T>(
  options: SandboxOptions,
  play: (sandbox: Sandbox) => Promise<T>,
): Promise<T> => {
  const sandbox = await Sandbox.start({ start: START, ...options });
  try {
    return await play(sandbox);
  } finally {
    await sandbox.stop();
  }
};
