/**
 * What the stack and the automation function agree on about the custom actions (issue 15): where
 * each `http` action's calls go, which secrets hold their credentials, and which functions the
 * `lambda` actions invoke. The stack sets the URLs in
 * the function's env (`ENV.httpActionBaseUrls`) and grants GetSecretValue on exactly these secrets.
 */
import type { ActionConfig, HttpActionConfig } from './config-schema-integrations';

type Actions = Readonly<Record<string, ActionConfig>> | undefined;

const httpActions = (actions: Actions): Array<[string, HttpActionConfig]> =>
  Object.entries(actions ?? {}).flatMap(([name, a]) =>
    a.type === 'http' ? [[name, a] as [string, HttpActionConfig]] : [],
  );

/** `http` action name -> its base URL (scheme and host, no trailing slash). */
export const httpActionBaseUrls = (actions: Actions): Record<string, string> =>
  Object.fromEntries(httpActions(actions).map(([name, a]) => [name, new URL(a.baseUrl).origin]));

/** The functions the `lambda` actions invoke, each once: the stack grants InvokeFunction on exactly these. */
export const lambdaActionArns = (actions: Actions): string[] => [
  ...new Set(Object.values(actions ?? {}).flatMap((a) => (a.type === 'lambda' ? [a.functionArn] : []))),
];

/** The secrets the `http` actions' Authorization headers are read from. */
export const actionSecretArns = (actions: Actions): string[] => [
  ...new Set(httpActions(actions).flatMap(([, a]) => (a.authSecretArn ? [a.authSecretArn] : []))),
];
