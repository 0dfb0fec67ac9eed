/**
 * Runs the product's Lambda bundles in-process, as Lambda would: the same esbuild output `cdk synth`
 * puts in each asset (buildFunctionBundle), loaded as an ES module with the function's environment
 * from the template, and invoked with a JSON round trip of its event and result. A bundling mistake
 * (a minified error name, a missing file, an env var the stack does not set) fails here as on AWS.
 *
 * Where the sandbox differs from Lambda, on purpose:
 * - Time: code running inside an invocation reads the sandbox's simulated clock through `Date`
 *   (a shim scoped to the invocation with AsyncLocalStorage; outside invocations `Date` is the real one).
 *   Timers (`setTimeout`) stay real: a Logs Insights poll waits its real 500 ms.
 * - Logs: `POWERTOOLS_DEV=true` makes Powertools log and emit metrics through `console`, which is
 *   captured per invocation ({@link FunctionLog}) instead of going to CloudWatch Logs.
 * - One container per function per sandbox: module state (SDK clients, caches) lives as long as the
 *   sandbox, as in a warm container; there are no concurrent containers.
 * - The function timeout is not enforced in real time (the simulated clock's stall guard catches a hang).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { configDigest, writeBundledConfig } from '../lambdas/contract/bundled-config';
import type { DeploymentConfig } from '../lambdas/contract/config-schema';
import {
  BUNDLE_FILE,
  buildFunctionBundle,
  CONFIG_FILE,
  HANDLER_NAMES,
  type HandlerName,
} from '../lib/constructs/function-bundle';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where built bundles are kept between runs, keyed by a hash of everything they are built from. */
const CACHE = join(ROOT, '.sandbox', 'bundles');

/** What a function wrote through console during one invocation (Powertools logs, EMF metrics). */
export interface FunctionLog {
  readonly functionName: string;
  readonly level: 'log' | 'info' | 'warn' | 'error' | 'debug';
  readonly text: string;
}

interface InvocationScope {
  now: () => Date;
  readonly functionName: string;
  logs: FunctionLog[];
}

const scope = new AsyncLocalStorage<InvocationScope>();

let shimsInstalled = false;
/** Installs, once per process, the `Date` and `console` shims that only act inside an invocation. */
const installShims = (): void => {
  if (shimsInstalled) return;
  shimsInstalled = true;
  const RealDate = Date;
  const simulatedNow = () => {
    const current = scope.getStore();
    // The clock itself may construct Dates: it runs outside the scope.
    return current ? scope.exit(() => current.now().getTime()) : RealDate.now();
  };
  function SandboxDate(this: unknown, ...args: unknown[]): unknown {
    if (!new.target) return new RealDate(simulatedNow()).toString();
    return args.length === 0
      ? new RealDate(simulatedNow())
      : new RealDate(...(args as ConstructorParameters<DateConstructor>));
  }
  Object.setPrototypeOf(SandboxDate, RealDate);
  SandboxDate.prototype = RealDate.prototype;
  (SandboxDate as unknown as { now: () => number }).now = simulatedNow;
  globalThis.Date = SandboxDate as unknown as DateConstructor;
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const real = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      const current = scope.getStore();
      if (!current) return real(...args);
      current.logs.push({
        functionName: current.functionName,
        level,
        text: args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '),
      });
    };
  }
};

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? filesUnder(join(dir, d.name)) : [join(dir, d.name)],
  );

/** A hash of what the bundles are built from: the runtime and CDK sources and the locked dependencies. */
const sourcesHash = (): string => {
  const hash = createHash('sha256');
  for (const file of [
    ...filesUnder(join(ROOT, 'lambdas')),
    ...filesUnder(join(ROOT, 'lib')),
    join(ROOT, 'package-lock.json'),
  ].sort()) {
    hash.update(relative(ROOT, file)).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
};

let built: { readonly dir: string } | undefined;
/**
 * The five bundles, built once per process into the cache (or found there from an earlier run with
 * the same sources). Written to a temporary folder first, so a half-built cache entry is never used.
 */
export const codeBundles = (): { readonly dir: string } => {
  if (built) return built;
  const dir = join(CACHE, sourcesHash());
  if (!existsSync(join(dir, 'complete'))) {
    const tmp = `${dir}.${randomUUID()}`;
    for (const name of HANDLER_NAMES) {
      mkdirSync(join(tmp, name), { recursive: true });
      buildFunctionBundle(name, join(tmp, name));
    }
    writeFileSync(join(tmp, 'complete'), '');
    rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(tmp, dir);
    } catch (error) {
      // Another process built the same entry meanwhile: theirs is as good.
      if (!existsSync(join(dir, 'complete'))) throw error;
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  built = { dir };
  return built;
};

/**
 * One function's asset as deployed: the bundle (linked from the cache) and the config beside it.
 * Keyed by config, so every sandbox with the same config shares it.
 */
const assetDir = (name: HandlerName, config: DeploymentConfig): string => {
  const { dir } = codeBundles();
  const key = configDigest(JSON.stringify(config)).slice(0, 16);
  const out = join(dir, 'functions', key, name);
  if (!existsSync(join(out, CONFIG_FILE))) {
    mkdirSync(out, { recursive: true });
    for (const file of [BUNDLE_FILE, `${BUNDLE_FILE}.map`]) {
      if (!existsSync(join(out, file))) linkSync(join(dir, name, file), join(out, file));
    }
    // As synth writes it: the config file last, so its presence marks a finished dir.
    writeBundledConfig(out, config);
  }
  return out;
};

/** A fresh module instance per URL (the query string), as a new container loads its code afresh. */
const importBundle = (url: string): Promise<unknown> => import(/* @vite-ignore */ url);

type BundleHandler = (event: unknown, context: Context) => Promise<unknown>;

/** Step Functions refuses a state bigger than this (States.DataLimitExceeded). */
const MAX_PAYLOAD_BYTES = 256 * 1024;

class PayloadTooLargeError extends Error {
  override readonly name = 'States.DataLimitExceeded';
}

export interface LoadedFunction {
  readonly name: HandlerName;
  readonly functionName: string;
  invoke(event: unknown): Promise<unknown>;
  /**
   * Lets go of the sandbox's clock and log once it has stopped. The bundle's module lives on (an ES
   * module is never unloaded) and so does what it left behind, such as its SDK clients' sockets, which
   * keep the invocation scope they were made in: released, that scope holds neither, and reads the
   * real time.
   */
  release(): void;
}

let instances = 0;

/** What a released scope reads: defined here, so it holds nothing of a loadFunction call. */
const realNow = (): Date => new Date();

/**
 * Loads one function's bundle with `env` (its environment from the template, resolved to the
 * sandbox's endpoints and names), as a Lambda cold start would: the module reads its env at load.
 */
export const loadFunction = async (options: {
  readonly name: HandlerName;
  readonly functionName: string;
  readonly config: DeploymentConfig;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly now: () => Date;
  readonly logs: FunctionLog[];
}): Promise<LoadedFunction> => {
  installShims();
  const dir = assetDir(options.name, options.config);
  Object.assign(process.env, options.env);
  const url = `${pathToFileURL(join(dir, BUNDLE_FILE)).href}?instance=${++instances}`;
  const ctx: InvocationScope = { now: options.now, functionName: options.functionName, logs: options.logs };
  const module = (await scope.run(ctx, () => importBundle(url))) as { handler?: unknown };
  if (typeof module.handler !== 'function')
    throw new Error(`${options.functionName}: ${join(dir, BUNDLE_FILE)} exports no handler`);
  const handler = module.handler as BundleHandler;
  const context = (): Context =>
    ({
      functionName: options.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${options.functionName}`,
      memoryLimitInMB: String(options.memoryMb),
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${options.functionName}`,
      logStreamName: 'sandbox',
      callbackWaitsForEmptyEventLoop: false,
      getRemainingTimeInMillis: () => options.timeoutSeconds * 1000,
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    }) as Context;
  return {
    name: options.name,
    functionName: options.functionName,
    release: () => {
      ctx.now = realNow;
      ctx.logs = [];
    },
    invoke: async (event) => {
      // Lambda hands the function JSON and sends back JSON: no Date, no undefined, no class survives.
      const input = JSON.parse(JSON.stringify(event ?? null)) as unknown;
      const output = await scope.run(ctx, () => handler(input, context()));
      const text = JSON.stringify(output ?? null);
      if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES)
        throw new PayloadTooLargeError(
          `${options.functionName} returned ${Buffer.byteLength(text)} bytes, over 256 KB`,
        );
      return JSON.parse(text) as unknown;
    },
  };
};

/** Bundle files of the cache, for the tests that compare them with the synthesized assets. */
export const bundleFile = (name: HandlerName): string => join(codeBundles().dir, name, BUNDLE_FILE);
