import { main } from '../../cli/main';

/** Runs the `incident` CLI in-process with `argv`: its exit code, and what it wrote to stdout and stderr. */
export const runCli = async (...argv: string[]): Promise<{ code: number; out: string; err: string }> => {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
};

/** What DescribeStacks answers for the deployed stack `IncidentResponse` with these outputs. */
export const deployedStack = (outputs: Readonly<Record<string, string>>) => ({
  Stacks: [
    {
      StackName: 'IncidentResponse',
      StackStatus: 'UPDATE_COMPLETE' as const,
      CreationTime: new Date('2026-11-20T09:00:00Z'),
      Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
    },
  ],
});
