/** The error logs of the window: the most frequent messages, and the first that points at a failing dependency. */
import { DEPENDENCY_SIGNS } from './diagnosis-rules';
import { counted, quote } from './diagnosis-util';
import type { Finding, LogMessageCount } from './evidence';

export interface DependencySign {
  readonly sign: string;
  readonly message: string;
  readonly count: number;
}

export const topMessages = (logs: readonly LogMessageCount[]): LogMessageCount[] =>
  [...logs].sort((a, b) => b.count - a.count);

export const dependencySign = (top: readonly LogMessageCount[]): DependencySign | undefined => {
  for (const { message, count } of top) {
    const hit = DEPENDENCY_SIGNS.find(([re]) => re.test(message));
    if (hit) return { sign: hit[1], message, count };
  }
  return undefined;
};

export const logsFinding = (
  top: readonly LogMessageCount[],
  dependency: DependencySign | undefined,
): Finding => ({
  source: 'logs',
  summary:
    top.length === 0
      ? 'no error messages in the window'
      : `top messages: ${top
          .slice(0, 3)
          .map((m) => counted([quote(m.message, 80), m.count]))
          .join('; ')}${dependency ? ` (dependency sign: ${dependency.sign})` : ''}`,
  evidence: { top: top.slice(0, 10), dependencySign: dependency?.sign },
});
