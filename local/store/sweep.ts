/**
 * TTL for the local store: dynalite never expires items, so the process that starts serving a
 * home deletes the items whose `expiresAt` has passed, at most once a day (a marker file records
 * the last sweep), keeping `.sci-state` bounded like the table on AWS.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { BatchWriteItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RUN_TABLE } from '../../src/store/table.ts';

const DAY_MS = 86_400_000;
const BATCH = 25;

/** Sweeps when the last sweep (recorded in `markerFile`) is a day old or more; returns the number deleted. */
export async function sweepIfDue(
  client: DynamoDBClient,
  tableName: string,
  markerFile: string,
  now: Date = new Date(),
): Promise<number> {
  const last = Date.parse(await readFile(markerFile, 'utf8').catch(() => ''));
  if (Number.isFinite(last) && now.getTime() - last < DAY_MS) return 0;
  const deleted = await deleteExpired(client, tableName, Math.floor(now.getTime() / 1000));
  await writeFile(markerFile, now.toISOString());
  return deleted;
}

/** Deletes every item whose TTL attribute is before `nowSeconds`. */
export async function deleteExpired(client: DynamoDBClient, tableName: string, nowSeconds: number): Promise<number> {
  const keys: Array<Record<string, AttributeValue>> = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        ProjectionExpression: '#pk, #sk',
        FilterExpression: '#ttl < :now',
        ExpressionAttributeNames: {
          '#pk': RUN_TABLE.partitionKey,
          '#sk': RUN_TABLE.sortKey,
          '#ttl': RUN_TABLE.ttlAttribute,
        },
        ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    keys.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  for (let i = 0; i < keys.length; i += BATCH) {
    let pending = keys.slice(i, i + BATCH).map((Key) => ({ DeleteRequest: { Key } }));
    // dynalite processes every item of a batch; the loop only guards against a partial answer.
    for (let attempt = 0; attempt < 5 && pending.length > 0; attempt++) {
      const result = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
      pending = (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
    }
  }
  return keys.length;
}
