import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  INCIDENT_STORE_ACTIONS,
  INCIDENT_TABLE_INDEXES,
  INCIDENT_TABLE_KEYS,
} from '../../lambdas/contract/table-design';

export interface IncidentTableProps {
  /**
   * What CloudFormation does with the table, and the key when one is created here, once they leave the
   * stack. With RETAIN the table also has deletion protection, so the incident history survives both a
   * stack deletion and a stray DeleteTable call.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy.RETAIN | RemovalPolicy.DESTROY;
  /**
   * Encrypt with a customer managed KMS key created here (yearly rotation) instead of the AWS managed
   * key `aws/dynamodb`, for teams that must control or audit the key.
   * @default false
   */
  readonly customerManagedKey?: boolean;
}

/**
 * The incident records: one DynamoDB table, on-demand, point-in-time recovery on, encrypted with KMS.
 *
 * Table design (single table, every key attribute a string; names in lambdas/contract/table-design.ts):
 * - partition key `pk`, sort key `sk`.
 * - incident: `pk=INCIDENT#<id>`, `sk=INCIDENT`; the record with its status, timestamps and timeline.
 * - dedup pointer: `pk=DEDUP#<dedupKey>`, `sk=DEDUP`; written with a condition so that one dedup key has
 *   at most one open incident, whatever the order or duplication of alarm events.
 * - id counter: `pk=COUNTER#<yyyymmdd>`, `sk=COUNTER`; an atomic counter for ids like INC-20251024-007.
 * - GSI `byService`: partition `openService`, sort `createdAtId`. Sparse: only open incidents carry
 *   `openService`, so it answers "open incidents of a service" without reading closed ones.
 * - GSI `byStatus`: partition `status`, sort `createdAtId`: incidents by status and time. An incident
 *   whose creation has not finished carries status `CREATING`, so a sweeper can find and finish it.
 * - both GSIs project ALL attributes; `expiresAt` (epoch seconds) is the TTL attribute.
 *
 * The design needs no transactions and no streams.
 */
export class IncidentTable extends Construct {
  readonly table: dynamodb.Table;
  /** The customer managed key, when `customerManagedKey` is set. */
  readonly encryptionKey?: kms.IKey;

  constructor(scope: Construct, id: string, props: IncidentTableProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.encryptionKey = props.customerManagedKey
      ? new kms.Key(this, 'Key', {
          description: 'Encrypts the incident records table',
          enableKeyRotation: true,
          removalPolicy,
        })
      : undefined;

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: INCIDENT_TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: INCIDENT_TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: this.encryptionKey
        ? dynamodb.TableEncryption.CUSTOMER_MANAGED
        : dynamodb.TableEncryption.AWS_MANAGED,
      encryptionKey: this.encryptionKey,
      timeToLiveAttribute: INCIDENT_TABLE_KEYS.timeToLive,
      removalPolicy,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
    });

    for (const index of Object.values(INCIDENT_TABLE_INDEXES)) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }

  /**
   * Lets `grantee` read and write incident records: the actions in `INCIDENT_STORE_ACTIONS` on the table
   * and each named index (no `index/*` wildcard), plus use of the customer managed key when there is one.
   */
  grantReadWrite(grantee: iam.IGrantable): iam.Grant {
    const { tableArn } = this.table;
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: [...INCIDENT_STORE_ACTIONS],
      resourceArns: [
        tableArn,
        ...Object.values(INCIDENT_TABLE_INDEXES).map((index) => `${tableArn}/index/${index.indexName}`),
      ],
    });
    if (this.encryptionKey === undefined) return grant;
    return grant.combine(
      this.encryptionKey.grant(
        grantee,
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey',
      ),
    );
  }
}
