/**
 * Where serverless-ci keeps state: the run table (docs/architecture.md, "DynamoDB single table")
 * and the bucket for step artifacts and caches, with a bucket for its access logs.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { Validations } from 'aws-cdk-lib';
import { RUN_TABLE } from '../../src/store/table.ts';
import { BUILD_NAMESPACES } from '../../src/core/run-facts.ts';

/** Key prefixes the compiled steps write to (architecture.md, "A run step"): trusted runs'. */
export const ARTIFACT_PREFIX = `${BUILD_NAMESPACES.trusted.artifacts}/`;
export const CACHE_PREFIX = `${BUILD_NAMESPACES.trusted.cache}/`;
/** Untrusted runs' (pull requests from forks), which only their own build role writes. */
export const UNTRUSTED_ARTIFACT_PREFIX = `${BUILD_NAMESPACES.untrusted.artifacts}/`;
export const UNTRUSTED_CACHE_PREFIX = `${BUILD_NAMESPACES.untrusted.cache}/`;

export interface StorageProps {
  /** Days before artifacts and caches expire. */
  artifactRetentionDays: number;
}

/** The run table and the artifact bucket; both are retained when the stack is deleted. */
export class Storage extends Construct {
  readonly table: TableV2;
  readonly artifactBucket: Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    this.table = runTable(this);
    const accessLogs = accessLogBucket(this);
    this.artifactBucket = new Bucket(this, 'Artifacts', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // aws-cdk-lib's Bucket does not satisfy IBucket under exactOptionalPropertyTypes; it is one at run time.
      serverAccessLogsBucket: accessLogs as IBucket,
      serverAccessLogsPrefix: 'artifacts/',
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'expire-artifacts', prefix: ARTIFACT_PREFIX, expiration: Duration.days(props.artifactRetentionDays) },
        { id: 'expire-caches', prefix: CACHE_PREFIX, expiration: Duration.days(props.artifactRetentionDays) },
        {
          id: 'expire-untrusted-artifacts',
          prefix: UNTRUSTED_ARTIFACT_PREFIX,
          expiration: Duration.days(props.artifactRetentionDays),
        },
        {
          id: 'expire-untrusted-caches',
          prefix: UNTRUSTED_CACHE_PREFIX,
          expiration: Duration.days(props.artifactRetentionDays),
        },
        { id: 'abort-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
  }
}

/** The table as src/store/table.ts defines it (the same data creates it locally on dynalite). */
function runTable(scope: Construct): TableV2 {
  const key = (name: string) => ({ name, type: AttributeType.STRING });
  return new TableV2(scope, 'Runs', {
    partitionKey: key(RUN_TABLE.partitionKey),
    sortKey: key(RUN_TABLE.sortKey),
    billing: Billing.onDemand(),
    encryption: TableEncryptionV2.awsManagedKey(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: RUN_TABLE.ttlAttribute,
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
    globalSecondaryIndexes: RUN_TABLE.indexes.map((index) => ({
      indexName: index.name,
      partitionKey: key(index.partitionKey),
      sortKey: key(index.sortKey),
      projectionType: ProjectionType.ALL,
    })),
  });
}

/** Access log target: SSE-S3 is the only encryption S3 log delivery supports. */
function accessLogBucket(scope: Construct): Bucket {
  const bucket = new Bucket(scope, 'AccessLogs', {
    encryption: BucketEncryption.S3_MANAGED,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'This bucket is the server access log target of the artifact bucket; logging it into itself would loop.',
  });
  return bucket;
}
