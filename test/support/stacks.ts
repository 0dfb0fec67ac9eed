/**
 * What the construct tests build their stacks from: stand-in functions and state machines, the stack
 * of a child workflow, and the synth of a workflow test (template and definition).
 */
import { App, Stack, type StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { type AslDefinition, type StateMachineSuffix, stateMachineDefinition } from './template';

/** `value`, and everything in it, frozen: what tests share cannot be altered by one of them. */
export const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
};

/** A function that stands in for one of the product's: inline code, no bundle. */
export const stubFunction = (stack: Stack, id: string): lambda.Function =>
  new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('export const handler = async () => ({});'),
  });

/** A state machine that stands in for one of the product's: one Pass state, `${id}Noop`. */
export const stubStateMachine = (stack: Stack, id: string): sfn.StateMachine =>
  new sfn.StateMachine(stack, id, {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, `${id}Noop`)),
  });

/** The stack a child workflow (escalation, post-mortem) is tested in: `Test`, with the lifecycle function it runs. */
export const childWorkflowStack = (stackProps: StackProps = {}) => {
  const stack = new Stack(new App(), 'Test', stackProps);
  return { stack, lifecycle: stubFunction(stack, 'Lifecycle') };
};

/** What a test `built` in a stack, with the stack's template (frozen). */
export const withTemplate = <T extends { readonly stack: Stack }>(
  built: T,
): T & { readonly template: Template } => {
  const template = Template.fromStack(built.stack);
  deepFreeze(template.toJSON());
  return { ...built, template };
};

/**
 * What a test `built` in a stack, with the stack's template and the definition of its state machine
 * named *`suffix` (tokens as placeholders), both frozen.
 */
export const synthWorkflow = <T extends { readonly stack: Stack }>(
  built: T,
  suffix: StateMachineSuffix,
): T & { readonly template: Template; readonly definition: AslDefinition } => {
  const synthesized = withTemplate(built);
  return {
    ...synthesized,
    definition: deepFreeze(stateMachineDefinition(synthesized.template, suffix)),
  };
};

/**
 * `synth` as it is, except that the result for its defaults (called with no argument) is built once
 * and shared by the file's tests, which read it only (its template and definition are frozen).
 */
export const withSharedDefault = <P, R>(synth: (props?: P) => R): ((props?: P) => R) => {
  let shared: { readonly result: R } | undefined;
  return (props) => {
    if (props !== undefined) return synth(props);
    shared ??= { result: synth() };
    return shared.result;
  };
};
