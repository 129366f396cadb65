import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RunStore } from '../core/ports.ts';
import { DynamoRunStore } from '../store/dynamo-run-store.ts';
import { environmentTable, type EnvironmentTable } from '../store/environments.ts';
import { requireEnv } from './environment.ts';
import { clientConfig } from './client-config.ts';

let dynamo: DynamoDBClient | undefined;
let store: RunStore | undefined;

const client = () => (dynamo ??= new DynamoDBClient(clientConfig));

/** The run store on the deployed table, one per container. */
export function runStore(): RunStore {
  store ??= new DynamoRunStore(DynamoDBDocumentClient.from(client()), requireEnv('TABLE_NAME'));
  return store;
}

/** The environments and releases in the same table. */
export function environments(): EnvironmentTable {
  return environmentTable(client(), requireEnv('TABLE_NAME'));
}
