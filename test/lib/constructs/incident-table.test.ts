import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { IncidentTable, type IncidentTableProps } from '../../../lib/constructs/incident-table';
import { withSharedDefault, withTemplate } from '../../support/stacks';
import { actionsOf, onlyIdOf, roleStatements } from '../../support/template';

const TABLE = 'AWS::DynamoDB::Table';

const tableIn = (props?: IncidentTableProps) => {
  const stack = new Stack();
  const incidentTable = new IncidentTable(stack, 'IncidentStore', props);
  return { stack, incidentTable };
};

const synth = withSharedDefault((props?: IncidentTableProps) => withTemplate(tableIn(props)).template);

describe('IncidentTable', () => {
  it('has the key schema and indexes the adapters rely on', () => {
    const template = synth();

    template.resourceCountIs(TABLE, 1);
    template.hasResourceProperties(TABLE, {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'openService', AttributeType: 'S' },
        { AttributeName: 'createdAtId', AttributeType: 'S' },
        { AttributeName: 'status', AttributeType: 'S' },
      ]),
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byService',
          KeySchema: [
            { AttributeName: 'openService', KeyType: 'HASH' },
            { AttributeName: 'createdAtId', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: 'byStatus',
          KeySchema: [
            { AttributeName: 'status', KeyType: 'HASH' },
            { AttributeName: 'createdAtId', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('is on-demand, with point-in-time recovery and encryption under the AWS managed key', () => {
    const template = synth();

    template.hasResourceProperties(TABLE, {
      BillingMode: 'PAY_PER_REQUEST',
      ProvisionedThroughput: Match.absent(),
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, KMSMasterKeyId: Match.absent() },
    });
    template.resourceCountIs('AWS::KMS::Key', 0);
  });

  it('uses a rotated customer managed key when asked for one', () => {
    const template = synth({ customerManagedKey: true });
    const keyId = onlyIdOf(template, 'AWS::KMS::Key', { EnableKeyRotation: true });

    template.hasResourceProperties(TABLE, {
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      },
    });
  });

  it('is retained, with deletion protection, by default', () => {
    const template = synth();

    template.hasResource(TABLE, {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });

  it('keeps its customer managed key with the retained table', () => {
    const template = synth({ removalPolicy: RemovalPolicy.RETAIN, customerManagedKey: true });

    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('is deleted with the stack when asked, key included', () => {
    const template = synth({ removalPolicy: RemovalPolicy.DESTROY, customerManagedKey: true });

    template.hasResource(TABLE, {
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });
});

describe('IncidentTable.grantReadWrite', () => {
  const grantToRole = (props?: IncidentTableProps) => {
    const { stack, incidentTable } = tableIn(props);
    const role = new iam.Role(stack, 'Reader', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    incidentTable.grantReadWrite(role);
    const template = Template.fromStack(stack);
    const statements = roleStatements(template, onlyIdOf(template, 'AWS::IAM::Role')).map((statement) => ({
      ...statement,
      Action: actionsOf(statement),
    }));
    return { template, statements };
  };

  it('grants item reads, writes and queries on the table and its two indexes, nothing more', () => {
    const { template, statements } = grantToRole();
    const tableArn = { 'Fn::GetAtt': [onlyIdOf(template, TABLE), 'Arn'] };
    const indexArn = (name: string) => ({ 'Fn::Join': ['', [tableArn, `/index/${name}`]] });

    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        Resource: [tableArn, indexArn('byService'), indexArn('byStatus')],
      },
    ]);
  });

  it('adds use of the customer managed key, without wildcard actions or resources', () => {
    const { template, statements } = grantToRole({ customerManagedKey: true });
    const keyArn = { 'Fn::GetAtt': [onlyIdOf(template, 'AWS::KMS::Key'), 'Arn'] };

    expect(statements).toHaveLength(2);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
      Resource: keyArn,
    });
    expect(JSON.stringify(statements)).not.toContain('*');
  });
});
