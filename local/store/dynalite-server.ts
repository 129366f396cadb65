/**
 * The local run store, shared by every `sci` process of one home. dynalite's LevelDB admits one
 * process at a time, so one process serves it over HTTP on 127.0.0.1 and the others are clients:
 *
 * - a live server is recorded in `<home>/store/server.json` (pid + endpoint), verified by a real
 *   ListTables call before use;
 * - otherwise a process takes `<home>/store/lock` (O_EXCL, stale when its pid is gone), starts
 *   dynalite on `<home>/store/db`, creates the table if missing, deletes expired items (daily:
 *   dynalite has no TTL) and records itself;
 * - the server serves only while its process runs its own command (no daemon); when it exits,
 *   a client's next call finds it gone, re-opens the store (becoming the server if nobody else
 *   did) and is sent again (local/store/reconnect.ts).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { rmSync, readFileSync } from 'node:fs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StoreUnavailableError } from '../../src/store/errors.ts';
import { DynamoRunStore, type DynamoRunStoreOptions } from '../../src/store/dynamo-run-store.ts';
import { RUN_TABLE } from '../../src/store/table.ts';
import { homePaths, type HomePaths } from '../home.ts';
import type { StoreWrites } from './changes.ts';
import {
  ensureTable,
  isServing,
  LevelDbTakenError,
  localClient,
  startDynalite,
  writesAnswered,
  type RunningDynalite,
} from './dynalite.ts';
import type { InProcessHandler } from './in-process.ts';
import { isAlive, tryLock, type HeldLock } from './lock.ts';
import { addReconnect } from './reconnect.ts';
import { ensureReserve, releaseReserve } from './reserve.ts';
import { sweepIfDue } from './sweep.ts';

export interface LocalStore {
  store: DynamoRunStore;
  /** Raw client (AttributeValue shapes), for the engine's ASL tasks on the same table. */
  client: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  /** The endpoint in use now (it moves when the serving process changes). */
  endpoint(): string;
  /** Whether this process is the one serving the store right now. */
  serving(): boolean;
  /** The writes this process has answered while it serves the store (local/store/changes.ts). */
  writes: StoreWrites;
  /** Stops serving (handing over to the next process) and releases the clients. */
  close(): Promise<void>;
}

export interface OpenLocalStoreOptions extends DynamoRunStoreOptions {
  /** @default RUN_TABLE.defaultName */
  tableName?: string;
  /** How long to wait for a server or the lock before giving up. @default 30000 */
  timeoutMs?: number;
}

interface ServerRecord {
  pid: number;
  endpoint: string;
  startedAt: string;
}

/** A lock held this long without a responsive server belongs to a hung (or recycled-pid) process. */
const UNRESPONSIVE_LOCK_MS = 15_000;

/** Opens the run store of a local home, connecting to its server or becoming it. */
export async function openLocalStore(home: string, options: OpenLocalStoreOptions = {}): Promise<LocalStore> {
  const paths = homePaths(home);
  const tableName = options.tableName ?? RUN_TABLE.defaultName;
  const timeoutMs = options.timeoutMs ?? 30_000;
  await mkdir(paths.store, { recursive: true });
  let endpoint = '';
  let serving: Serving | undefined;
  let closed = false;
  const connect = async () => {
    // After close() a late call must not bring a server back up behind the caller's back.
    if (closed) throw new StoreUnavailableError('the local store was closed');
    const found = await findOrServe(paths, tableName, timeoutMs);
    endpoint = found.endpoint;
    serving = found.serving ?? serving;
  };
  await connect();
  const client = localClient(() => endpoint, { inProcess: () => serving?.inProcess });
  addReconnect(client, connect);
  const documentClient = DynamoDBDocumentClient.from(client);
  return {
    store: new DynamoRunStore(documentClient, tableName, { rememberRegistryWrites: true, ...options }),
    client,
    documentClient,
    tableName,
    endpoint: () => endpoint,
    serving: () => serving !== undefined,
    writes: () => (serving ? writesAnswered() : undefined),
    async close() {
      closed = true;
      client.destroy();
      // no request of this process goes to the server in process once it starts stopping
      const stopping = serving;
      serving = undefined;
      await stopping?.stop();
    },
  };
}

interface Serving {
  /** The server's handler, for this process's own requests. */
  inProcess: InProcessHandler;
  stop(): Promise<void>;
}

async function findOrServe(
  paths: HomePaths,
  tableName: string,
  timeoutMs: number,
): Promise<{ endpoint: string; serving?: Serving }> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 20; ; wait = Math.min(wait * 2, 250)) {
    const record = await readRecord(paths.storeServer);
    if (record && isAlive(record.pid) && (await isServing(record.endpoint))) return { endpoint: record.endpoint };
    const lock = await tryLock(
      paths.storeLock,
      (pid, ageMs) => !isAlive(pid) || (ageMs > UNRESPONSIVE_LOCK_MS && record?.pid !== pid),
    );
    if (lock) {
      const started = await serve(paths, tableName, lock);
      if (started) return started;
    }
    if (Date.now() > deadline)
      throw new StoreUnavailableError(
        `the local store at ${paths.store} is locked by another process that does not answer`,
      );
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** Serves the store from this process; undefined when the LevelDB folder turned out to be taken. */
async function serve(
  paths: HomePaths,
  tableName: string,
  lock: HeldLock,
): Promise<{ endpoint: string; serving: Serving } | undefined> {
  // a write that meets a full disk gives up the space kept back for the store before it is answered (and retried)
  const start = () => startDynalite({ path: paths.storeDb, onIoError: () => releaseReserve(paths.home) });
  const server = await start()
    // LevelDB writes on open: on a full disk, the space kept back for it is given up and it is tried again
    .catch(async (error: unknown) => {
      if (error instanceof LevelDbTakenError) throw error;
      await releaseReserve(paths.home);
      return start();
    })
    .catch(async (error: unknown) => {
      await lock.release();
      if (error instanceof LevelDbTakenError) return undefined;
      throw new StoreUnavailableError(`cannot open the local store at ${paths.storeDb}: ${(error as Error).message}`, {
        cause: error,
      });
    });
  if (!server) return undefined;
  const bootstrap = localClient(() => server.endpoint, { inProcess: () => server.inProcess });
  try {
    await ensureTable(bootstrap, tableName);
    await sweepIfDue(bootstrap, tableName, paths.storeSwept);
    await writeRecord(paths.storeServer, {
      pid: process.pid,
      endpoint: server.endpoint,
      startedAt: new Date().toISOString(),
    });
    await ensureReserve(paths.home);
  } catch (error) {
    await server.close().finally(() => lock.release());
    throw error;
  } finally {
    bootstrap.destroy();
  }
  return { endpoint: server.endpoint, serving: servingHandle(paths, server, lock) };
}

/** Stopping: unpublish first (no newcomer connects), drain and close LevelDB, then free the lock. */
function servingHandle(paths: HomePaths, server: RunningDynalite, lock: HeldLock): Serving {
  const onExit = () => {
    removeRecordSync(paths.storeServer);
    lock.releaseSync();
  };
  process.on('exit', onExit);
  return {
    inProcess: server.inProcess,
    async stop() {
      process.off('exit', onExit);
      removeRecordSync(paths.storeServer);
      await server.close();
      await lock.release();
    },
  };
}

async function readRecord(path: string): Promise<ServerRecord | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as ServerRecord;
  } catch {
    return undefined;
  }
}

/** Written aside then renamed, so a reader never sees half a record. */
async function writeRecord(path: string, record: ServerRecord): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(record));
  await rename(temp, path);
}

function removeRecordSync(path: string): void {
  try {
    if ((JSON.parse(readFileSync(path, 'utf8')) as ServerRecord).pid === process.pid) rmSync(path, { force: true });
  } catch {
    // already gone or replaced
  }
}
