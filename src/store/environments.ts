/**
 * Environments and releases in the run table (docs/run-store.md): the state machine writes
 * them (statemachines/compiler/environment.ts); these are the reads `sci envs`, promote,
 * rollback and the dashboard use. Item keys: `ENV#<name>` + `#ENV` (current release, listed
 * through gsi1 `ENVS`), `ENV#<name>` + `REL#<at>#<run>` (every release), `ENV#<name>` + `#LOCK`.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { HELD_GSI1PK_PREFIX } from '../../statemachines/compiler/environment.ts';
import type { Item } from './items.ts';
import { queryItems } from './reads.ts';

/** The key prefixes the compiled definitions write (kept equal to the compiler's by a test). */
export const ENVIRONMENT_KEYS = {
  pk: 'ENV#',
  current: '#ENV',
  release: 'REL#',
  lock: '#LOCK',
  gsi1pk: 'ENVS',
} as const;

/** One release of one environment. */
export interface Release {
  environment: string;
  pipeline: string;
  run: string;
  sha: string;
  branch: string;
  /** The step that released. */
  step: string;
  /** ISO-8601. */
  at: string;
  status: string;
  url?: string;
  /** Outputs the releasing step could read, by step name: `{ build: { version: '1.2.3' } }`. */
  outputs: Record<string, Record<string, string>>;
}

/** The `--json` shape of `sci envs` (pipeline-format.md). */
export interface ReleaseView {
  name: string;
  sha: string;
  run: string;
  pipeline: string;
  status: string;
  at: string;
  url?: string;
}

export interface EnvironmentTable {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** The environment records of the run table that `dynamo` serves. */
export function environmentTable(dynamo: DynamoDBClient, tableName: string): EnvironmentTable {
  return { client: DynamoDBDocumentClient.from(dynamo), tableName };
}

function release(item: Item): Release {
  const text = (k: string) => (typeof item[k] === 'string' ? (item[k] as string) : '');
  return {
    environment: text('environment'),
    pipeline: text('pipeline'),
    run: text('run'),
    sha: text('sha'),
    branch: text('branch'),
    step: text('step'),
    at: text('at'),
    status: text('status'),
    ...(typeof item.url === 'string' ? { url: item.url } : {}),
    outputs: (item.outputs ?? {}) as Release['outputs'],
  };
}

export function releaseView(r: Release): ReleaseView {
  return {
    name: r.environment,
    sha: r.sha,
    run: r.run,
    pipeline: r.pipeline,
    status: r.status,
    at: r.at,
    ...(r.url ? { url: r.url } : {}),
  };
}

/** Each environment's current release, by name. */
export async function listEnvironments(t: EnvironmentTable): Promise<Release[]> {
  const items = await queryItems(t.client, {
    TableName: t.tableName,
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :p',
    ExpressionAttributeValues: { ':p': ENVIRONMENT_KEYS.gsi1pk },
  });
  return items.map(release).sort((a, b) => a.environment.localeCompare(b.environment));
}

/** The releases of one environment, newest first (at most `limit`). */
export async function environmentHistory(t: EnvironmentTable, name: string, limit = Infinity): Promise<Release[]> {
  const items = await queryItems(
    t.client,
    {
      TableName: t.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :rel)',
      ExpressionAttributeValues: { ':pk': `${ENVIRONMENT_KEYS.pk}${name}`, ':rel': ENVIRONMENT_KEYS.release },
      ScanIndexForward: false,
    },
    limit,
  );
  return items.map(release);
}

/** The environment's current release, if it has one. */
export async function currentRelease(t: EnvironmentTable, name: string): Promise<Release | undefined> {
  return (await environmentHistory(t, name, 1))[0];
}

/** The successful release before the current one (what a rollback re-releases). */
export async function previousRelease(t: EnvironmentTable, name: string): Promise<Release | undefined> {
  const [, ...older] = await environmentHistory(t, name);
  return older.find((r) => r.status === 'succeeded');
}

/**
 * Frees every environment lock `runId` still holds (its run ended mid-step: a cancel, a timeout):
 * the same write as the definition's unlock, on the items gsi1 lists under `HELD#<runId>`.
 * Waiters are not woken here; they look at the lock again on their own (LOCK_RECHECK_SECONDS, and
 * locally the engine polls). Returns the environments freed.
 */
export async function freeHeldEnvironments(t: EnvironmentTable, runId: string): Promise<string[]> {
  const held = await queryItems(t.client, {
    TableName: t.tableName,
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :p',
    ExpressionAttributeValues: { ':p': `${HELD_GSI1PK_PREFIX}${runId}` },
  });
  const freed: string[] = [];
  for (const item of held) {
    try {
      await t.client.send(
        new UpdateCommand({
          TableName: t.tableName,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: 'REMOVE #h, #since, #g, #gs',
          ConditionExpression: '#h = :run',
          ExpressionAttributeNames: { '#h': 'holder', '#since': 'heldSince', '#g': 'gsi1pk', '#gs': 'gsi1sk' },
          ExpressionAttributeValues: { ':run': runId },
        }),
      );
      freed.push(String(item.gsi1sk));
    } catch (error) {
      // Freed meanwhile (the definition's own unlock won the race): nothing to do.
      if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
    }
  }
  return freed;
}
