/** Paginated reads: DynamoDB returns at most 1 MB per call, so every read follows LastEvaluatedKey. */
import {
  GetCommand,
  QueryCommand,
  ScanCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Item } from './items.ts';

/** Every item a query matches, or the first `limit` of them. */
export async function queryItems(
  client: DynamoDBDocumentClient,
  input: QueryCommandInput,
  limit = Infinity,
): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        ...input,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        ...(Number.isFinite(limit) ? { Limit: limit - items.length } : {}),
      }),
    );
    items.push(...((page.Items ?? []) as Item[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey && items.length < limit);
  return items.slice(0, limit);
}

/** Every item a scan matches (filters apply after the read, so all pages are needed). */
export async function scanItems(client: DynamoDBDocumentClient, input: ScanCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }));
    items.push(...((page.Items ?? []) as Item[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Whether the item carries `writeId`: an update answered "condition failed" was in fact applied by an earlier try. */
export async function appliedEarlier(
  client: DynamoDBDocumentClient,
  table: string,
  key: Record<string, unknown>,
  writeId: string,
): Promise<boolean> {
  const { Item } = await client.send(
    new GetCommand({ TableName: table, Key: key, ConsistentRead: true, ProjectionExpression: 'writeId' }),
  );
  return Item?.writeId === writeId;
}
