/**
 * Local-only attributes on the run store's items, written with the raw DynamoDB client because
 * they belong to the local engine, not to the RunStore port: who owns a running run (pid + host,
 * for crash recovery), a cancel request, and reading the approval decision another process made.
 */
import type { ApprovalDecision } from '../../src/core/ports.ts';
import { isTerminalRun, RUN_SK, RUN_STATUSES, runPk } from '../../statemachines/lifecycle.ts';
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

export interface Table {
  dynamo: DynamoDBClient;
  tableName: string;
}

const runKey = (runId: string) => ({ pk: { S: runPk(runId) }, sk: { S: RUN_SK } });
type ItemKey = { pk: { S: string }; sk: { S: string } };
/** Runs a cancel request may reach: those not ended yet. */
const ACTIVE = RUN_STATUSES.filter((s) => !isTerminalRun(s));

export interface RunControl {
  ownerPid?: number;
  ownerHost?: string;
  /** When the owning engine last said it is alive (ISO): the only sign of life of an owner on another host. */
  heartbeatAt?: string;
  cancelRequested: boolean;
}

/**
 * How often the owning engine records that it is alive: 5 s. `SCI_HEARTBEAT_MS` (1000 to 5000) shortens it
 * for every `sci` process that sees it, so that a test of a silent engine (`sci cancel` waits three
 * heartbeats) does not wait 15 s; the engine polls every 300 ms, so even 1 s leaves room for three polls.
 */
export const HEARTBEAT_MS = heartbeatMs(process.env.SCI_HEARTBEAT_MS);

function heartbeatMs(setting: string | undefined): number {
  const ms = Number(setting);
  return Number.isInteger(ms) && ms >= 1_000 && ms <= 5_000 ? ms : 5_000;
}

/** Records the process that executes the run. */
export async function claimRun(table: Table, runId: string, pid: number, host: string, at: string): Promise<void> {
  await table.dynamo.send(
    new UpdateItemCommand({
      TableName: table.tableName,
      Key: runKey(runId),
      UpdateExpression: 'SET ownerPid = :pid, ownerHost = :host, heartbeatAt = :at',
      ExpressionAttributeValues: { ':pid': { N: String(pid) }, ':host': { S: host }, ':at': { S: at } },
    }),
  );
}

export async function readControl(table: Table, runId: string): Promise<RunControl> {
  const { Item } = await table.dynamo.send(
    new GetItemCommand({
      TableName: table.tableName,
      Key: runKey(runId),
      ProjectionExpression: 'ownerPid, ownerHost, heartbeatAt, cancelRequested',
      ConsistentRead: true,
    }),
  );
  return {
    ...(Item?.ownerPid?.N ? { ownerPid: Number(Item.ownerPid.N) } : {}),
    ...(Item?.ownerHost?.S ? { ownerHost: Item.ownerHost.S } : {}),
    ...(Item?.heartbeatAt?.S ? { heartbeatAt: Item.heartbeatAt.S } : {}),
    cancelRequested: Item?.cancelRequested !== undefined,
  };
}

/**
 * The owning engine's poll: whether a cancel was requested, recording a heartbeat when the last
 * one is {@link HEARTBEAT_MS} old (a read every poll, a write every few seconds). Also answers when
 * the heartbeat now on the run was recorded (ms since the epoch), so the engine knows when the next is due.
 */
export async function pollOwnedRun(
  table: Table,
  runId: string,
  now: Date,
): Promise<{ cancelRequested: boolean; heartbeatAt: number }> {
  const control = await readControl(table, runId);
  const last = control.heartbeatAt ? Date.parse(control.heartbeatAt) : Number.NaN;
  if (!(now.getTime() - last < HEARTBEAT_MS)) {
    await table.dynamo.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: runKey(runId),
        UpdateExpression: 'SET heartbeatAt = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':at': { S: now.toISOString() } },
      }),
    );
    return { cancelRequested: control.cancelRequested, heartbeatAt: now.getTime() };
  }
  return { cancelRequested: control.cancelRequested, heartbeatAt: last };
}

/** Asks the owning engine to cancel; false when the run does not exist or already ended. */
export async function requestCancel(table: Table, runId: string, at: string): Promise<boolean> {
  try {
    await table.dynamo.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: runKey(runId),
        UpdateExpression: 'SET cancelRequested = :at',
        ConditionExpression: `attribute_exists(pk) AND #s IN (${ACTIVE.map((s) => `:${s}`).join(', ')})`,
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':at': { S: at }, ...Object.fromEntries(ACTIVE.map((s) => [`:${s}`, { S: s }])) },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Forgets a cancel request (before a redrive: it was meant for the attempt that ended). */
export async function clearCancelRequest(table: Table, runId: string): Promise<void> {
  await table.dynamo
    .send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: runKey(runId),
        UpdateExpression: 'REMOVE cancelRequested',
        ConditionExpression: 'attribute_exists(pk)',
      }),
    )
    .catch((error: unknown) => {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    });
}

/** The decision recorded on an item (`STEP#…`), if any, with who made it. */
export async function readDecision(
  table: Table,
  key: Record<string, unknown>,
): Promise<{ decision: ApprovalDecision; by: string } | undefined> {
  const { Item } = await table.dynamo.send(
    new GetItemCommand({
      TableName: table.tableName,
      Key: key as ItemKey,
      ProjectionExpression: 'decision, decidedBy',
      ConsistentRead: true,
    }),
  );
  const decision = Item?.decision?.S;
  if (decision !== 'approved' && decision !== 'rejected') return undefined;
  return { decision, by: Item?.decidedBy?.S ?? 'someone' };
}
