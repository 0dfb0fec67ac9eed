import { main } from '../../cli/main';

/** Runs the `incident` CLI in-process with `argv`: its exit code, and what it wrote to stdout and stderr. */
export const runCli = async (...argv: string[]): Promise<{ code: number; out: string; err: string }> => {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
};
