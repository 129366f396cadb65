/**
 * The dashboard's reads, O(page) however long the history: the pipeline registry (one partition,
 * one item per pipeline with its newest runs, written when a run is committed and when a listed
 * run changes status) and key-paginated pages of a pipeline's runs on gsi2. A page's `next` is
 * the index key of its last run, opaque to callers.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PipelineSummary, RecentRun, RunFilter, RunPage, RunRecord } from '../core/ports.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { isConditionalCheckFailed, StoreError } from './errors.ts';
import { toRunRecord, type Item } from './items.ts';
import { pipelinePk } from '../../statemachines/lifecycle.ts';
import { queryItems } from './reads.ts';

/** Runs read at most per filtered page: a rare filter returns a short page, never a slow one. */
const DEFAULT_SCAN_LIMIT = 1000;

/** Partition of the pipeline registry: one item per pipeline that has run (`sk` = `PIPE#<repo>#<pipeline>`). */
export const PIPELINES_PK = 'PIPELINES';

const registryKey = (repo: string, pipeline: string) => ({ pk: PIPELINES_PK, sk: pipelinePk(repo, pipeline) });

/** Runs kept on a registry item: the home page shows them without a query per pipeline. */
export const RECENT_RUNS = 5;
/** Optimistic retries of a registry write that raced another one, with a jittered pause between. */
const MAX_RACES = 40;
const RACE_PAUSE_MS = 40;

const RECENT_FIELDS = [
  'id',
  'repo',
  'pipeline',
  'status',
  'event',
  'branch',
  'tag',
  'sha',
  'createdAt',
  'startedAt',
  'endedAt',
] as const;

function recentEntry(run: RunRecord): Item {
  return Object.fromEntries(RECENT_FIELDS.filter((f) => run[f] !== undefined).map((f) => [f, run[f]]));
}

async function readRegistry(client: DynamoDBDocumentClient, table: string, run: RunRecord): Promise<Item | undefined> {
  const { Item } = await client.send(
    new GetCommand({ TableName: table, Key: registryKey(run.repo, run.pipeline), ConsistentRead: true }),
  );
  return Item;
}

/**
 * Records `run` on its pipeline's registry item: creates the item, or puts the run among its
 * newest runs (an older run committed late changes nothing it should not). Optimistic: a write
 * that raced another (`version` moved) reads again. Each put carries its own `writeId` and accepts
 * its own copy, so a put sent again after a lost response applies, not "raced" (docs/run-store.md).
 */
export function touchPipeline(t: RegistryTable, run: RunRecord, expires: number): Promise<void> {
  return updateRegistry(t, run, (recent) => [recentEntry(run), ...recent.filter((r) => r.id !== run.id)], expires);
}

/** Mirrors a run's new status (and times) onto its registry entry, if the run is among the newest. */
export function refreshPipelineRun(t: RegistryTable, run: RunRecord): Promise<void> {
  return updateRegistry(t, run, (recent) => recent.map((r) => (r.id === run.id ? recentEntry(run) : r)));
}

/** Where the registry is, and what this store remembers of its writes (if it does). */
export interface RegistryTable {
  client: DynamoDBDocumentClient;
  table: string;
  written?: RegistryWrites | undefined;
}

/**
 * The registry items one store last put, by key: its next write to an item starts from what it wrote
 * instead of reading it again. Only a guess: the put is still conditional on the item's version, and a
 * put that finds the version moved (another writer) forgets the guess and reads. Worth it where one
 * process makes most of the writes (the local store: a run's creation, start and end write the item
 * within moments); on AWS each Lambda container would mostly guess wrong, so the stores there read.
 */
export interface RegistryWrites {
  items: Map<string, Item>;
  /** The store's clock: a remembered item past its TTL may have been deleted (and a new one starts at 1). */
  now(): Date;
}

function remembered(written: RegistryWrites | undefined, key: string): Item | undefined {
  const item = written?.items.get(key);
  return item && written && Number(item.expiresAt ?? 0) * 1000 > written.now().getTime() ? item : undefined;
}

/** Keeps the newest item put: concurrent writes of this store may answer out of order. */
function remember(written: RegistryWrites | undefined, key: string, item: Item): void {
  const held = written?.items.get(key);
  if (!held || Number(held.version) < Number(item.version)) written?.items.set(key, item);
}

async function updateRegistry(
  { client, table, written }: RegistryTable,
  run: RunRecord,
  change: (recent: Item[]) => Item[],
  expires?: number,
): Promise<void> {
  const key = pipelinePk(run.repo, run.pipeline);
  for (let race = 0; race < MAX_RACES; race++) {
    const guess = remembered(written, key);
    // a refresh of a run that the remembered item does not list reads: another store may have listed it since
    const item =
      guess && (expires !== undefined || (guess.recent as Item[]).some((r) => r.id === run.id))
        ? guess
        : await readRegistry(client, table, run);
    if (!item && expires === undefined) return;
    const before = (item?.recent ?? []) as Item[];
    if (expires === undefined && !before.some((r) => r.id === run.id)) return;
    const recent = change(before)
      .sort((a, b) => `${b.createdAt}#${b.id}`.localeCompare(`${a.createdAt}#${a.id}`))
      .slice(0, RECENT_RUNS);
    const version = Number(item?.version ?? 0);
    const newest = String(recent[0]?.createdAt ?? run.createdAt);
    const writeId = randomUUID();
    const next: Item = {
      ...registryKey(run.repo, run.pipeline),
      type: 'pipeline',
      repo: run.repo,
      pipeline: run.pipeline,
      lastRunAt: newest,
      recent,
      version: version + 1,
      expiresAt: Math.max(Number(item?.expiresAt ?? 0), expires ?? 0),
      writeId,
    };
    try {
      await client.send(
        new PutCommand({
          TableName: table,
          Item: next,
          ConditionExpression: `${item ? '#version = :version' : 'attribute_not_exists(pk)'} OR writeId = :writeId`,
          ...(item ? { ExpressionAttributeNames: { '#version': 'version' } } : {}),
          ExpressionAttributeValues: { ':writeId': writeId, ...(item ? { ':version': version } : {}) },
        }),
      );
      remember(written, key, next);
      return;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      if (guess && written?.items.get(key) === guess) written.items.delete(key);
      // a wrong guess is not a race: read at once
      if (guess && item === guess) continue;
    }
    await sleep(Math.random() * RACE_PAUSE_MS);
  }
  // The registry is a view for the home page; the run and its indexes are the record. A burst
  // that outlasts every retry leaves the view one run behind until the pipeline's next write.
}

export async function listPipelines(client: DynamoDBDocumentClient, table: string): Promise<PipelineSummary[]> {
  const items = await queryItems(client, {
    TableName: table,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': PIPELINES_PK },
  });
  return items.map((item) => ({
    repo: String(item.repo),
    pipeline: String(item.pipeline),
    lastRunAt: String(item.lastRunAt),
    recent: ((item.recent ?? []) as Item[]).map((r) => r as unknown as RecentRun),
  }));
}

export interface PageQuery {
  repo: string;
  pipeline: string;
  limit: number;
  after?: string;
  filter?: RunFilter;
  scanLimit?: number;
}

export async function pageRuns(client: DynamoDBDocumentClient, table: string, q: PageQuery): Promise<RunPage> {
  const pk = pipelinePk(q.repo, q.pipeline);
  const filter = filterExpression(q.filter ?? {});
  const budget = filter ? (q.scanLimit ?? DEFAULT_SCAN_LIMIT) : q.limit;
  const runs: Item[] = [];
  let startKey = q.after ? decodeCursor(q.after, pk) : undefined;
  let read = 0;
  let exhausted = false;
  while (runs.length <= q.limit && read < budget) {
    const page = await client.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'gsi2',
        ScanIndexForward: false,
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': pk, ...filter?.values },
        ...(filter ? { FilterExpression: filter.expression, ExpressionAttributeNames: filter.names } : {}),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        // unfiltered: the page and one more run; filtered: bigger reads, within the budget
        Limit: filter ? Math.min(budget - read, Math.max(q.limit * 4, 100)) : q.limit + 1 - runs.length,
      }),
    );
    read += page.ScannedCount ?? 0;
    runs.push(...((page.Items ?? []) as Item[]));
    startKey = page.LastEvaluatedKey;
    if (!startKey) {
      exhausted = true;
      break;
    }
  }
  // one run past the page tells whether another page exists without an empty last page
  const more = runs.length > q.limit || (!exhausted && startKey !== undefined);
  const shown = runs.slice(0, q.limit);
  const last = runs.length > q.limit ? shown.at(-1) : undefined;
  const cursorKey = last ? indexKey(last) : startKey;
  return { runs: shown.map(toRunRecord), ...(more && cursorKey ? { next: encodeCursor(cursorKey) } : {}) };
}

function filterExpression(
  filter: RunFilter,
): { expression: string; names: Record<string, string>; values: Record<string, unknown> } | undefined {
  const present = (['branch', 'status', 'event'] as const).filter(
    (field) => filter[field] !== undefined && filter[field] !== '',
  );
  if (present.length === 0) return undefined;
  return {
    expression: present.map((field) => `#f_${field} = :f_${field}`).join(' AND '),
    names: Object.fromEntries(present.map((field) => [`#f_${field}`, field])),
    values: Object.fromEntries(present.map((field) => [`:f_${field}`, filter[field]])),
  };
}

function indexKey(item: Item): Item {
  return { pk: item.pk, sk: item.sk, gsi2pk: item.gsi2pk, gsi2sk: item.gsi2sk };
}

function encodeCursor(key: Item): string {
  return Buffer.from(JSON.stringify([key.gsi2sk, key.pk])).toString('base64url');
}

/** A cursor names a position in this very pipeline's index, nothing else. */
function decodeCursor(cursor: string, pk: string): Item {
  try {
    const [gsi2sk, runPk] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof gsi2sk === 'string' && typeof runPk === 'string' && runPk.startsWith('RUN#'))
      return { gsi2pk: pk, gsi2sk, pk: runPk, sk: '#RUN' };
  } catch {
    // falls through to the error below
  }
  throw new StoreError('invalid-cursor', 'not a page cursor of this pipeline', {
    failure: { kind: 'invalid', message: 'not a page cursor of this pipeline', problems: [] },
  });
}
