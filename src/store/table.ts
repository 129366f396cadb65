/**
 * The run table as data: one definition used by the local store bootstrap (CreateTable on
 * dynalite) and by infra (the CDK `Table`), so the two can never drift apart.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** A secondary index: string keys, every attribute projected (readers never need a second GetItem). */
export interface IndexDefinition {
  name: string;
  partitionKey: string;
  sortKey: string;
  /** Why the index exists, for docs and infra comments. */
  purpose: string;
}

/** The single table of docs/architecture.md. Every key attribute is a string. */
export const RUN_TABLE = {
  /** @default the table name `compile` targets and infra deploys */
  defaultName: 'sci-runs',
  partitionKey: 'pk',
  sortKey: 'sk',
  /** TTL attribute (epoch seconds), set on every item. */
  ttlAttribute: 'expiresAt',
  billingMode: 'PAY_PER_REQUEST',
  indexes: [
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', purpose: 'runs of a repository, newest first' },
    {
      name: 'gsi2',
      partitionKey: 'gsi2pk',
      sortKey: 'gsi2sk',
      purpose: 'runs of one pipeline of a repository, newest first',
    },
    {
      name: 'gsi3',
      partitionKey: 'gsi3pk',
      sortKey: 'gsi3sk',
      purpose: 'sparse: runs still queued or running (crash recovery, concurrency groups)',
    },
  ] satisfies IndexDefinition[],
} as const;

/** CreateTable input for the run table (the local bootstrap; infra builds the same from RUN_TABLE). */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const keyNames = [
    RUN_TABLE.partitionKey,
    RUN_TABLE.sortKey,
    ...RUN_TABLE.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ];
  return {
    TableName: tableName,
    BillingMode: RUN_TABLE.billingMode,
    KeySchema: [
      { AttributeName: RUN_TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: RUN_TABLE.sortKey, KeyType: 'RANGE' },
    ],
    AttributeDefinitions: keyNames.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    GlobalSecondaryIndexes: RUN_TABLE.indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
  };
}
