import { aslFromDefinition, type LocalStateMachine } from './asl-definition';
import {
  type CfnResolveOptions,
  type CfnResource,
  type CfnTemplateJson,
  findLeftoverTokens,
  findMarker,
  functionNames,
  isRecord,
  nearMarker,
  pickStateMachine,
  type ResolveContext,
  readResources,
  resolveObject,
  resolveString,
  substitute,
} from './cfn-resolve';

export {
  type AslDefinition,
  type AslState,
  aslFromDefinition,
  forEachState,
  type LocalStateMachine,
  type LocalTaskInfo,
  nestedMachines,
} from './asl-definition';
export {
  type CfnResolveOptions,
  type CfnTemplateJson,
  type CfnToken,
  resolveTemplateString,
  SANDBOX_ACCOUNT,
  SANDBOX_REGION,
} from './cfn-resolve';

/** A state machine read from a template. */
export interface TemplateStateMachine extends LocalStateMachine {
  readonly stateMachineLogicalId: string;
  /** The StateMachineName property when it is a plain string, else the logical id. */
  readonly stateMachineName: string;
}

/** Options for {@link aslFromTemplate}. */
export interface AslFromTemplateOptions extends CfnResolveOptions {
  /** Which state machine to read. @default the only AWS::StepFunctions::StateMachine in the template */
  readonly stateMachineLogicalId?: string;
}

/**
 * Reads the state machine definition out of a synthesized template, so the sandbox runs exactly what
 * `cdk synth` produces. Resolves the CloudFormation references in `DefinitionString` (CDK emits an
 * `Fn::Join` of strings and `Ref`/`Fn::GetAtt`) and in `DefinitionSubstitutions` to stand-in names and
 * ARNs: a Lambda function becomes `arn:aws:lambda:<region>:<account>:function:<name>`, a table its name,
 * a topic or state machine its ARN, where the name is the resource's name property when it is a plain
 * string, else its logical id.
 *
 * @throws one error listing every reference left unresolved and where it is; an error if the
 *   definition uses JSONata (the local interpreter would silently ignore it); the asl-validator errors.
 */
export function aslFromTemplate(
  template: CfnTemplateJson,
  options: AslFromTemplateOptions = {},
): TemplateStateMachine {
  const resources = readResources(template);
  const logicalId = pickStateMachine(resources, options.stateMachineLogicalId);
  const resource = resources.get(logicalId) as CfnResource;
  const ctx: ResolveContext = { resources, options, unresolved: [] };
  const base = `Resources.${logicalId}.Properties`;
  const props = resource.Properties;

  const substitutions = new Map<string, string>();
  const rawSubstitutions = props.DefinitionSubstitutions;
  if (isRecord(rawSubstitutions)) {
    for (const [key, value] of Object.entries(rawSubstitutions)) {
      substitutions.set(key, resolveString(value, `${base}.DefinitionSubstitutions.${key}`, ctx));
    }
  }

  let definition: unknown;
  let text: string | undefined;
  if (props.DefinitionString !== undefined) {
    text = substitute(resolveString(props.DefinitionString, `${base}.DefinitionString`, ctx), substitutions);
    try {
      definition = JSON.parse(text);
    } catch (error) {
      if (ctx.unresolved.length === 0) {
        throw new Error(
          `State machine ${logicalId}: DefinitionString is not JSON: ${(error as Error).message}`,
        );
      }
    }
  } else if (props.Definition !== undefined) {
    definition = resolveObject(props.Definition, `${base}.Definition`, ctx, substitutions);
  } else {
    throw new Error(
      `State machine ${logicalId} has neither DefinitionString nor Definition (DefinitionS3Location is not ` +
        'supported locally: define the workflow inline).',
    );
  }

  const problems = ctx.unresolved.map((item, index) => {
    const locations = definition === undefined ? [] : findMarker(definition, index);
    const where = locations.length > 0 ? locations.join(', ') : nearMarker(text, index, item.where);
    return `${JSON.stringify(item.token)} at ${where}`;
  });
  if (definition !== undefined) {
    for (const path of findLeftoverTokens(definition)) problems.push(`a CDK token string at ${path}`);
  }
  if (problems.length > 0) {
    throw new Error(
      `State machine ${logicalId}: ${problems.length} CloudFormation reference(s) cannot be resolved ` +
        `locally (pass \`resolve\` to aslFromTemplate for them):\n  - ${problems.join('\n  - ')}`,
    );
  }

  const checked = aslFromDefinition(definition, functionNames(resources));
  const name = props.StateMachineName;
  return {
    ...checked,
    stateMachineLogicalId: logicalId,
    stateMachineName: typeof name === 'string' ? name : logicalId,
  };
}
