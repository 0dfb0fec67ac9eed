/**
 * CloudFormation references in a synthesized template resolved to the sandbox's stand-in names and
 * ARNs, with every reference that cannot be resolved marked so the error can say where it is.
 */
/** A synthesized CloudFormation template: `Template.fromStack(stack).toJSON()` or a cloud assembly's `template`. */
export type CfnTemplateJson = { readonly [key: string]: unknown };

/** A CloudFormation reference inside a state machine definition. */
export type CfnToken =
  | { readonly kind: 'Ref'; readonly logicalId: string; readonly resourceType?: string }
  | {
      readonly kind: 'GetAtt';
      readonly logicalId: string;
      readonly attribute: string;
      readonly resourceType?: string;
    }
  /** Any other intrinsic (Fn::ImportValue, Fn::If...) or a template parameter's Ref has no stand-in. */
  | { readonly kind: 'Intrinsic'; readonly value: unknown };

/** How template references resolve: shared by {@link aslFromTemplate} and {@link resolveTemplateString}. */
export interface CfnResolveOptions {
  /**
   * Asked first for every Ref / Fn::GetAtt; return undefined to fall back to the built-in stand-ins.
   * @default no custom resolution
   */
  readonly resolve?: (token: CfnToken) => string | undefined;
  /** Region used in stand-in ARNs. @default SANDBOX_REGION */
  readonly region?: string;
  /** Account used in stand-in ARNs. @default SANDBOX_ACCOUNT */
  readonly account?: string;
}

/** Region of the sandbox's stand-in ARNs. */
export const SANDBOX_REGION = 'us-east-1';
/** Account of the sandbox's stand-in ARNs. */
export const SANDBOX_ACCOUNT = '123456789012';

const STATE_MACHINE_TYPE = 'AWS::StepFunctions::StateMachine';
const MARKER_PREFIX = '__SANDBOX_UNRESOLVED_';
const MARKER_PATTERN = /__SANDBOX_UNRESOLVED_(\d+)__/g;

export interface CfnResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

interface Unresolved {
  readonly token: unknown;
  readonly where: string;
}

export interface ResolveContext {
  readonly resources: ReadonlyMap<string, CfnResource>;
  readonly options: CfnResolveOptions;
  readonly unresolved: Unresolved[];
}

/**
 * Resolves one template value (a string, or a `Ref` / `Fn::GetAtt` / `Fn::Join` / `Fn::Sub` of them)
 * to the same stand-ins {@link aslFromTemplate} uses, for a function's environment variables. `where`
 * names the value in the error that lists whatever could not be resolved.
 */
export function resolveTemplateString(
  template: CfnTemplateJson,
  value: unknown,
  where: string,
  options: CfnResolveOptions = {},
): string {
  const ctx: ResolveContext = { resources: readResources(template), options, unresolved: [] };
  const text = resolveString(value, where, ctx);
  if (ctx.unresolved.length > 0)
    throw new Error(
      `${where}: ${ctx.unresolved.length} CloudFormation reference(s) cannot be resolved locally: ${ctx.unresolved.map((u) => JSON.stringify(u.token)).join(', ')}`,
    );
  return text;
}
export function readResources(template: CfnTemplateJson): Map<string, CfnResource> {
  const resources = new Map<string, CfnResource>();
  const raw = template.Resources;
  if (!isRecord(raw)) throw new Error('The template has no Resources');
  for (const [logicalId, resource] of Object.entries(raw)) {
    if (isRecord(resource) && typeof resource.Type === 'string') {
      resources.set(logicalId, {
        Type: resource.Type,
        Properties: isRecord(resource.Properties) ? resource.Properties : {},
      });
    }
  }
  return resources;
}

export function pickStateMachine(
  resources: ReadonlyMap<string, CfnResource>,
  wanted: string | undefined,
): string {
  const candidates = [...resources].filter(([, r]) => r.Type === STATE_MACHINE_TYPE).map(([id]) => id);
  if (wanted !== undefined) {
    if (candidates.includes(wanted)) return wanted;
    throw new Error(
      `No ${STATE_MACHINE_TYPE} with logical id ${wanted} in the template; candidates: ${candidates.join(', ') || 'none'}`,
    );
  }
  const [only, ...others] = candidates;
  if (only === undefined) throw new Error(`The template has no ${STATE_MACHINE_TYPE}`);
  if (others.length > 0) {
    throw new Error(
      `The template has ${candidates.length} state machines; pass stateMachineLogicalId, one of: ${candidates.join(', ')}`,
    );
  }
  return only;
}

export function resolveString(node: unknown, where: string, ctx: ResolveContext): string {
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (isRecord(node)) {
    const keys = Object.keys(node);
    const [intrinsic] = keys;
    const arg = intrinsic === undefined ? undefined : node[intrinsic];
    if (keys.length === 1 && intrinsic === 'Ref' && typeof arg === 'string') {
      return resolveToken({ kind: 'Ref', logicalId: arg }, node, where, ctx);
    }
    if (keys.length === 1 && intrinsic === 'Fn::GetAtt') {
      const parts = typeof arg === 'string' ? splitOnce(arg, '.') : arg;
      if (Array.isArray(parts) && typeof parts[0] === 'string' && typeof parts[1] === 'string') {
        return resolveToken({ kind: 'GetAtt', logicalId: parts[0], attribute: parts[1] }, node, where, ctx);
      }
    }
    if (keys.length === 1 && intrinsic === 'Fn::Join' && Array.isArray(arg) && typeof arg[0] === 'string') {
      const [separator, parts] = arg as [string, unknown];
      if (Array.isArray(parts)) {
        return parts
          .map((part, index) => resolveString(part, `${where}.Fn::Join[1][${index}]`, ctx))
          .join(separator);
      }
    }
    if (keys.length === 1 && intrinsic === 'Fn::Sub') {
      const [body, variables] = typeof arg === 'string' ? [arg, {}] : Array.isArray(arg) ? arg : [];
      if (typeof body === 'string' && isRecord(variables))
        return resolveSub(body, variables, node, where, ctx);
    }
  }
  const custom = ctx.options.resolve?.({ kind: 'Intrinsic', value: node });
  return custom ?? unresolvedMarker(node, where, ctx);
}

function resolveSub(
  body: string,
  variables: Record<string, unknown>,
  node: unknown,
  where: string,
  ctx: ResolveContext,
): string {
  return body.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (name in variables) return resolveString(variables[name], `${where}.Fn::Sub[1].${name}`, ctx);
    const [logicalId, attribute] = splitOnce(name, '.');
    if (logicalId === undefined) return unresolvedMarker(node, where, ctx);
    const token: Exclude<CfnToken, { kind: 'Intrinsic' }> =
      attribute === undefined ? { kind: 'Ref', logicalId } : { kind: 'GetAtt', logicalId, attribute };
    return resolveToken(token, { 'Fn::Sub': whole }, where, ctx);
  });
}

export function resolveObject(
  node: unknown,
  where: string,
  ctx: ResolveContext,
  substitutions: ReadonlyMap<string, string>,
): unknown {
  if (typeof node === 'string') return substitute(node, substitutions);
  if (Array.isArray(node))
    return node.map((item, index) => resolveObject(item, `${where}[${index}]`, ctx, substitutions));
  if (!isRecord(node)) return node;
  const keys = Object.keys(node);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]?.startsWith('Fn::'))) {
    return resolveString(node, where, ctx);
  }
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [
      key,
      resolveObject(value, `${where}.${key}`, ctx, substitutions),
    ]),
  );
}

function resolveToken(
  token: Exclude<CfnToken, { kind: 'Intrinsic' }>,
  node: unknown,
  where: string,
  ctx: ResolveContext,
): string {
  const resourceType = ctx.resources.get(token.logicalId)?.Type;
  const described = resourceType === undefined ? token : { ...token, resourceType };
  const custom = ctx.options.resolve?.(described);
  if (custom !== undefined) return custom;
  const standIn = standInFor(described, ctx);
  return standIn ?? unresolvedMarker(node, where, ctx);
}

function standInFor(
  token: Exclude<CfnToken, { kind: 'Intrinsic' }>,
  ctx: ResolveContext,
): string | undefined {
  const region = ctx.options.region ?? SANDBOX_REGION;
  const account = ctx.options.account ?? SANDBOX_ACCOUNT;
  if (token.kind === 'Ref') {
    switch (token.logicalId) {
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::Region':
        return region;
      case 'AWS::AccountId':
        return account;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
    }
  }
  const resource = ctx.resources.get(token.logicalId);
  if (resource === undefined) return undefined;
  const nameOf = (property: string): string => {
    const value = resource.Properties[property];
    return typeof value === 'string' ? value : token.logicalId;
  };
  const attribute = token.kind === 'Ref' ? 'Ref' : token.attribute;
  switch (resource.Type) {
    case 'AWS::Lambda::Function': {
      const name = nameOf('FunctionName');
      return pick({ Ref: name, Arn: `arn:aws:lambda:${region}:${account}:function:${name}` }, attribute);
    }
    case 'AWS::SNS::Topic': {
      const arn = `arn:aws:sns:${region}:${account}:${nameOf('TopicName')}`;
      return pick({ Ref: arn, TopicArn: arn, TopicName: nameOf('TopicName') }, attribute);
    }
    case 'AWS::SQS::Queue': {
      const name = nameOf('QueueName');
      const url = `https://sqs.${region}.amazonaws.com/${account}/${name}`;
      return pick(
        { Ref: url, QueueUrl: url, QueueName: name, Arn: `arn:aws:sqs:${region}:${account}:${name}` },
        attribute,
      );
    }
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable': {
      const name = nameOf('TableName');
      return pick({ Ref: name, Arn: `arn:aws:dynamodb:${region}:${account}:table/${name}` }, attribute);
    }
    case STATE_MACHINE_TYPE: {
      const name = nameOf('StateMachineName');
      const arn = `arn:aws:states:${region}:${account}:stateMachine:${name}`;
      return pick({ Ref: arn, Arn: arn, Name: name }, attribute);
    }
    case 'AWS::IAM::Role': {
      const name = nameOf('RoleName');
      return pick({ Ref: name, Arn: `arn:aws:iam::${account}:role/${name}` }, attribute);
    }
    case 'AWS::Events::EventBus': {
      const name = nameOf('Name');
      return pick(
        { Ref: name, Name: name, Arn: `arn:aws:events:${region}:${account}:event-bus/${name}` },
        attribute,
      );
    }
    default:
      return undefined;
  }
}

function unresolvedMarker(node: unknown, where: string, ctx: ResolveContext): string {
  ctx.unresolved.push({ token: node, where });
  return `${MARKER_PREFIX}${ctx.unresolved.length - 1}__`;
}

export function substitute(text: string, substitutions: ReadonlyMap<string, string>): string {
  if (substitutions.size === 0) return text;
  return text.replace(/\$\{([^}]+)\}/g, (whole, name: string) => substitutions.get(name) ?? whole);
}

export function findMarker(node: unknown, index: number, path = '$'): string[] {
  if (typeof node === 'string') {
    return [...node.matchAll(MARKER_PATTERN)].some((match) => match[1] === String(index)) ? [path] : [];
  }
  if (Array.isArray(node)) return node.flatMap((item, i) => findMarker(item, index, `${path}[${i}]`));
  if (!isRecord(node)) return [];
  return Object.entries(node).flatMap(([key, value]) => [
    ...(key.includes(`${MARKER_PREFIX}${index}__`) ? [`${path} (a key)`] : []),
    ...findMarker(value, index, `${path}.${key}`),
  ]);
}

export function nearMarker(text: string | undefined, index: number, fallback: string): string {
  const marker = `${MARKER_PREFIX}${index}__`;
  const at = text?.indexOf(marker) ?? -1;
  if (text === undefined || at < 0) return fallback;
  return `${fallback}, after ${JSON.stringify(text.slice(Math.max(0, at - 60), at))}`;
}

export function findLeftoverTokens(node: unknown, path = '$'): string[] {
  if (typeof node === 'string') return node.includes('${Token[') ? [path] : [];
  if (Array.isArray(node)) return node.flatMap((item, i) => findLeftoverTokens(item, `${path}[${i}]`));
  if (!isRecord(node)) return [];
  return Object.entries(node).flatMap(([key, value]) => findLeftoverTokens(value, `${path}.${key}`));
}

export function functionNames(resources: ReadonlyMap<string, CfnResource>): Map<string, string> {
  const names = new Map<string, string>();
  for (const [logicalId, resource] of resources) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const name = resource.Properties.FunctionName;
    names.set(typeof name === 'string' ? name : logicalId, logicalId);
  }
  return names;
}

function pick(values: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(values, key) ? values[key] : undefined;
}

function splitOnce(text: string, separator: string): [string, string] | [string, undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + separator.length)];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
