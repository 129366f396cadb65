/**
 * Creating a run in three writes that work the same on DynamoDB and dynalite (which has no
 * TransactWriteItems): (1) the run item, conditional on its absence and invisible to readers;
 * (2) its steps, in batches, retrying unprocessed items; (3) the commit that adds the index keys.
 * Readers ignore an uncommitted run, so a run is never seen half-written; one whose creator died
 * between (1) and (3) stays invisible and expires with its TTL.
 */
import { BatchWriteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RunRecord, StepRecord } from '../core/ports.ts';
import { isConditionalCheckFailed, StoreError, StoreWriteIncompleteError } from './errors.ts';
import { commitAttributes, runItem, stepItem, type Item } from './items.ts';
import { isTerminalRun, runKey } from '../../statemachines/lifecycle.ts';
import { touchPipeline, type RegistryWrites } from './pipeline-pages.ts';

const BATCH_SIZE = 25;
const MAX_BATCH_ATTEMPTS = 8;

export interface NewRun {
  run: RunRecord;
  steps: StepRecord[];
  /** TTL of every item, epoch seconds. */
  expires: number;
  /** This call's id: a retried first write that finds its own item carries on instead of answering "exists". */
  writeId: string;
  /** The registry items this store last wrote (pipeline-pages.ts), when it remembers them. */
  registry?: RegistryWrites | undefined;
}

export async function createRunItems(
  client: DynamoDBDocumentClient,
  table: string,
  { run, steps, expires, writeId, registry }: NewRun,
): Promise<boolean> {
  checkSteps(run, steps);
  try {
    // A retry of this very put (same write id) passes again; nothing else may replace the item.
    await client.send(
      new PutCommand({
        TableName: table,
        Item: { ...runItem(run, steps.length, expires), writeId },
        ConditionExpression: 'attribute_not_exists(pk) OR writeId = :writeId',
        ExpressionAttributeValues: { ':writeId': writeId },
      }),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
  const items = steps.map((step) => stepItem(step, expires));
  for (let i = 0; i < items.length; i += BATCH_SIZE) await batchPut(client, table, items.slice(i, i + BATCH_SIZE));
  await commitRun(client, table, run);
  await touchPipeline({ client, table, written: registry }, run, expires);
  return true;
}

/** Step records must belong to the run and have unique keys (BatchWrite rejects duplicates anyway, half-way). */
function checkSteps(run: RunRecord, steps: StepRecord[]): void {
  const keys = new Set<string>();
  for (const step of steps) {
    if (step.runId !== run.id)
      throw new StoreError('invalid-step', `step ${step.key} belongs to run ${step.runId}, not ${run.id}`);
    if (keys.has(step.key)) throw new StoreError('invalid-step', `step key ${step.key} appears twice in run ${run.id}`);
    keys.add(step.key);
  }
}

async function batchPut(client: DynamoDBDocumentClient, table: string, items: Item[]): Promise<void> {
  let pending = items.map((Item) => ({ PutRequest: { Item } }));
  for (let attempt = 0; attempt < MAX_BATCH_ATTEMPTS && pending.length > 0; attempt++) {
    if (attempt > 0) await sleep(Math.min(25 * 2 ** attempt, 1000));
    const result = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
    pending = (result.UnprocessedItems?.[table] ?? []) as typeof pending;
  }
  if (pending.length > 0) throw new StoreWriteIncompleteError(pending.length);
}

async function commitRun(client: DynamoDBDocumentClient, table: string, run: RunRecord): Promise<void> {
  const attributes = commitAttributes(run);
  if (isTerminalRun(run.status)) {
    delete attributes.gsi3pk;
    delete attributes.gsi3sk;
  }
  const names = Object.keys(attributes);
  await client.send(
    new UpdateCommand({
      TableName: table,
      Key: runKey(run.id),
      UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')}`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
      ExpressionAttributeValues: Object.fromEntries(names.map((name) => [`:${name}`, attributes[name]])),
    }),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
