import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RunStore } from '../core/ports.ts';
import { DynamoRunStore } from '../store/dynamo-run-store.ts';
import { requireEnv } from './environment.ts';
import { clientConfig } from './client-config.ts';

let store: RunStore | undefined;

/** The run store on the deployed table, one per container. */
export function runStore(): RunStore {
  store ??= new DynamoRunStore(DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig)), requireEnv('TABLE_NAME'));
  return store;
}
