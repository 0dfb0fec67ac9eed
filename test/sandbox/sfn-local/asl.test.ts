import { App, Duration, Fn, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { describe, expect, it } from 'vitest';
import { aslFromTemplate, type CfnTemplateJson } from '../../../sandbox/sfn-local/asl';

function inlineFunction(stack: Stack, id: string): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async (event) => event;'),
  });
}

function synth(build: (stack: Stack) => void): CfnTemplateJson {
  const stack = new Stack(new App(), 'AslTest');
  build(stack);
  return Template.fromStack(stack).toJSON();
}

function stateMachineOf(stack: Stack, id: string, definition: sfn.IChainable): sfn.StateMachine {
  return new sfn.StateMachine(stack, id, { definitionBody: sfn.DefinitionBody.fromChainable(definition) });
}

describe('aslFromTemplate', () => {
  it('resolves the references CDK puts in DefinitionString to stand-in names and ARNs', () => {
    const template = synth((stack) => {
      const triage = inlineFunction(stack, 'TriageFn');
      const topic = new sns.Topic(stack, 'Pages');
      const table = new dynamodb.Table(stack, 'Incidents', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      });
      const invoke = new tasks.LambdaInvoke(stack, 'Triage', { lambdaFunction: triage });
      const publish = new tasks.SnsPublish(stack, 'Page', { topic, message: sfn.TaskInput.fromText('hi') });
      const put = new tasks.DynamoPutItem(stack, 'Save', {
        table,
        item: { pk: tasks.DynamoAttributeValue.fromString('x') },
      });
      stateMachineOf(stack, 'Lifecycle', invoke.next(publish).next(put));
    });

    const machine = aslFromTemplate(template, { region: 'eu-west-1', account: '111122223333' });

    const states = machine.definition.States;
    expect(states.Triage).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: expect.stringMatching(/^arn:aws:lambda:eu-west-1:111122223333:function:TriageFn/),
      },
    });
    expect(states.Page).toMatchObject({
      Resource: 'arn:aws:states:::sns:publish',
      Parameters: { TopicArn: expect.stringMatching(/^arn:aws:sns:eu-west-1:111122223333:Pages/) },
    });
    expect(states.Save).toMatchObject({ Parameters: { TableName: expect.stringMatching(/^Incidents/) } });
    expect(machine.stateMachineLogicalId).toMatch(/^Lifecycle/);
    expect(machine.tasks.map((task) => [task.stateName, task.functionLogicalId])).toEqual([
      ['Triage', expect.stringMatching(/^TriageFn/)],
      ['Page', undefined],
      ['Save', undefined],
    ]);
  });

  it('lists tasks and waits inside Parallel branches and Map item processors, with their timeouts', () => {
    const template = synth((stack) => {
      const fn = inlineFunction(stack, 'Fn');
      const page = new tasks.LambdaInvoke(stack, 'Page', {
        lambdaFunction: fn,
        integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload: sfn.TaskInput.fromObject({ token: sfn.JsonPath.taskToken }),
        taskTimeout: sfn.Timeout.duration(Duration.minutes(30)),
        heartbeatTimeout: sfn.Timeout.duration(Duration.minutes(5)),
      });
      const pause = new sfn.Wait(stack, 'Pause', { time: sfn.WaitTime.duration(Duration.minutes(1)) });
      const each = new sfn.Map(stack, 'EachResponder', { itemsPath: '$.responders' });
      each.itemProcessor(
        new tasks.LambdaInvoke(stack, 'Notify', { lambdaFunction: fn, payloadResponseOnly: true }),
      );
      const parallel = new sfn.Parallel(stack, 'FanOut').branch(page).branch(pause.next(each));
      stateMachineOf(stack, 'Machine', parallel);
    });

    const machine = aslFromTemplate(template);

    expect(machine.waits).toEqual(['Pause']);
    expect(machine.tasks).toEqual([
      expect.objectContaining({
        stateName: 'Page',
        resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        waitForTaskToken: true,
        timeoutSeconds: 1800,
        heartbeatSeconds: 300,
      }),
      expect.objectContaining({
        stateName: 'Notify',
        resource: expect.stringMatching(/^arn:aws:lambda:us-east-1:123456789012:function:Fn/),
        waitForTaskToken: false,
      }),
    ]);
  });

  it('asks the resolve callback first', () => {
    const template = synth((stack) => {
      const fn = inlineFunction(stack, 'Fn');
      stateMachineOf(stack, 'Machine', new tasks.LambdaInvoke(stack, 'Call', { lambdaFunction: fn }));
    });

    const machine = aslFromTemplate(template, {
      resolve: (token) =>
        token.kind === 'GetAtt' && token.resourceType === 'AWS::Lambda::Function'
          ? 'custom-fn-arn'
          : undefined,
    });

    expect(machine.definition.States.Call).toMatchObject({ Parameters: { FunctionName: 'custom-fn-arn' } });
  });

  it('fails loudly with every unresolved reference and where it is', () => {
    const template = synth((stack) => {
      const bucket = new s3.Bucket(stack, 'Evidence');
      const pass = new sfn.Pass(stack, 'Describe', {
        parameters: { queueUrl: Fn.importValue('SharedQueueUrl'), bucket: bucket.bucketName },
      });
      stateMachineOf(stack, 'Machine', pass);
    });

    const attempt = (): unknown => aslFromTemplate(template);

    expect(attempt).toThrow(/2 CloudFormation reference\(s\) cannot be resolved/);
    expect(attempt).toThrow(
      /\{"Fn::ImportValue":"SharedQueueUrl"\} at \$\.States\.Describe\.Parameters\.queueUrl/,
    );
    expect(attempt).toThrow(/\{"Ref":"Evidence[0-9A-F]+"\} at \$\.States\.Describe\.Parameters\.bucket/);
    const resolved = aslFromTemplate(template, {
      resolve: (token) => {
        if (token.kind === 'Ref' && token.resourceType === 'AWS::S3::Bucket') return 'evidence-bucket';
        return token.kind === 'Intrinsic' ? 'https://sqs.local/shared' : undefined;
      },
    });
    expect(resolved.definition.States.Describe).toMatchObject({
      Parameters: { queueUrl: 'https://sqs.local/shared', bucket: 'evidence-bucket' },
    });
  });

  it('rejects JSONata, which the local interpreter would silently ignore', () => {
    const template = synth((stack) => {
      const pass = sfn.Pass.jsonata(stack, 'Shape', { outputs: { id: '{% $states.input.id %}' } });
      new sfn.StateMachine(stack, 'Machine', {
        definitionBody: sfn.DefinitionBody.fromChainable(pass),
        queryLanguage: sfn.QueryLanguage.JSONATA,
      });
    });

    expect(() => aslFromTemplate(template)).toThrow(/uses JSONata \(QueryLanguage at \$\).*JSONPath/s);
  });

  it('asks which state machine to read when there are several', () => {
    const template = synth((stack) => {
      stateMachineOf(stack, 'First', new sfn.Pass(stack, 'A'));
      stateMachineOf(stack, 'Second', new sfn.Succeed(stack, 'B'));
    });
    const ids = Object.keys(template.Resources as object).filter((id) =>
      /^(First|Second)[0-9A-F]{8}$/.test(id),
    );

    expect(() => aslFromTemplate(template)).toThrow(
      new RegExp(`2 state machines; pass stateMachineLogicalId, one of: ${ids.join(', ')}`),
    );
    const second = ids.find((id) => id.startsWith('Second')) ?? '';
    expect(aslFromTemplate(template, { stateMachineLogicalId: second }).definition.StartAt).toBe('B');
    expect(() => aslFromTemplate(template, { stateMachineLogicalId: 'Nope' })).toThrow(/candidates: First/);
  });

  it('applies DefinitionSubstitutions', () => {
    const template = synth((stack) => {
      const fn = inlineFunction(stack, 'Fn');
      new sfn.StateMachine(stack, 'Machine', {
        definitionBody: sfn.DefinitionBody.fromString(
          JSON.stringify({
            StartAt: 'Call',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a DefinitionSubstitutions placeholder, not a template
            States: { Call: { Type: 'Task', Resource: '${FnArn}', End: true } },
          }),
        ),
        definitionSubstitutions: { FnArn: fn.functionArn },
      });
    });

    const machine = aslFromTemplate(template);

    expect(machine.tasks).toEqual([
      expect.objectContaining({
        resource: expect.stringMatching(/^arn:aws:lambda:us-east-1:123456789012:function:Fn/),
        functionLogicalId: expect.stringMatching(/^Fn[0-9A-F]{8}$/),
      }),
    ]);
  });

  it('lists the validator errors of an invalid definition', () => {
    const definition = { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Missing' } } };
    const template = {
      Resources: {
        Machine: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: { DefinitionString: JSON.stringify(definition) },
        },
      },
    };

    expect(() => aslFromTemplate(template)).toThrow(/invalid:\n {2}- .*Missing/);
  });
});
