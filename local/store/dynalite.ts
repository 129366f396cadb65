/**
 * The embedded DynamoDB: a dynalite HTTP server on 127.0.0.1 (in memory, or persisted in a
 * LevelDB folder), the run table in it, and SDK clients pointed at it with fake credentials.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { HttpRequest } from '@smithy/types';
import { createTableInput } from '../../src/store/table.ts';
import { addInProcess, type InProcessHandler, inProcessHandler } from './in-process.ts';
import { type GuardedLevel, guardLevel, type LevelGuard } from './level-guard.ts';

export interface RunningDynalite {
  endpoint: string;
  /** Answers this process's own requests without HTTP (local/store/in-process.ts). */
  inProcess: InProcessHandler;
  close(): Promise<void>;
}

/** DynamoDB operations that change nothing: every other request counts as a write. */
const READS = new Set([
  'GetItem',
  'BatchGetItem',
  'Query',
  'Scan',
  'DescribeTable',
  'ListTables',
  'DescribeTimeToLive',
]);

/** Requests other than reads this process's servers have answered (local/store/changes.ts). */
let answeredWrites = 0;

/** How many writes the dynalite servers of this process have answered, from any client. */
export function writesAnswered(): number {
  return answeredWrites;
}

/** Counts an answered request (its `X-Amz-Target`) that was a write. */
function countAnswered(target: string): void {
  if (!READS.has(target.split('.')[1] ?? '')) answeredWrites++;
}

const ZEROS = '0'.repeat(64);

/**
 * The Authorization header of a local store request: SigV4's shape with a signature of zeros. dynalite
 * checks that the header and a date are there and name a credential, a signature and the signed headers,
 * never the signature itself (node_modules/dynalite/index.js), and the credentials are fake; signing each
 * request for real (a hash of its body, the canonical request, the HMAC chain) was a third of a store
 * request's CPU (docs/benchmarks.md, "Issue 9, session 10: the local store's requests unsigned").
 */
export function unsignedAuthorization(date: Date): { 'x-amz-date': string; authorization: string } {
  const stamp = date.toISOString().replace(/[-:]|\.\d{3}/g, '');
  const credential = `local/${stamp.slice(0, 8)}/local/dynamodb/aws4_request`;
  return {
    'x-amz-date': stamp,
    authorization: `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=host;x-amz-date, Signature=${ZEROS}`,
  };
}

/** Credentials and region the local endpoint accepts (dynalite checks the shape, not the values), unsigned. */
export const LOCAL_CLIENT_CONFIG = {
  region: 'local',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  signer: {
    sign: async (request: HttpRequest) => {
      Object.assign(request.headers, unsignedAuthorization(new Date()));
      return request;
    },
  },
} as const;

/**
 * Thrown by {@link startDynalite} when another process holds the LevelDB folder: LevelDB's own lock, which
 * the kernel drops only when that process is gone (it may be exiting, its lock file already removed).
 */
export class LevelDbTakenError extends Error {
  constructor(path: string) {
    super(`the LevelDB at ${path} is held by another process`);
    this.name = 'LevelDbTakenError';
  }
}

/**
 * Starts dynalite on an ephemeral port. The server does not keep the process alive: a `sci`
 * command serves the store only while it runs its own work, so no daemon is ever left behind.
 * `onIoError` runs when LevelDB fails to write (a full disk), before the request is answered.
 * With a `path`, LevelDB is open before the server listens: a folder another process holds throws
 * {@link LevelDbTakenError} (dynalite would crash on its first request instead of answering), any
 * other failure to open it (corruption, permissions, a full disk) its own error.
 */
export async function startDynalite(
  options: { path?: string; onIoError?: () => Promise<void> } = {},
): Promise<RunningDynalite> {
  // loaded here, not with the module: a process that finds another one serving the store never needs it (the
  // CLI's bundle keeps dynalite in a chunk of its own: scripts/bundle-cli.mjs)
  const [{ default: dynalite }, { default: db }] = await Promise.all([
    import('dynalite'),
    import('dynalite/db/index.js'),
  ]);
  const { server, store } = createServer(dynalite as Dynalite, db as DynaliteDb, {
    ...(options.path ? { path: options.path } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  if (options.path) await openLevel(store.db, options.path);
  const guard: LevelGuard | undefined = options.path
    ? guardLevel(store.db, options.path, options.onIoError ?? (async () => undefined))
    : undefined;
  const sockets = new Set<Socket>();
  const [answer] = server.listeners('request') as Array<(request: IncomingMessage, response: ServerResponse) => void>;
  if (!answer) throw new Error('dynalite made a server without its request handler');
  // counted once answered (or its client gone): by then the write is in LevelDB, and a reader that saw the
  // count before will read again
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    response.once('close', () => countAnswered(String(request.headers['x-amz-target'] ?? '')));
  });
  server.on('connection', (socket: Socket) => {
    socket.unref();
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    inProcess: inProcessHandler(answer, countAnswered),
    async close() {
      // a log cut short by a full disk is replaced now if the disk has room again, before LevelDB closes
      await guard?.flushIfCut();
      await drainAndClose(server as Server & HttpServerExtras, sockets);
    },
  };
}

interface DynaliteStore {
  db: GuardedLevel & { open(): Promise<void> };
}

/** Waits for the open dynalite's LevelDB started (one open: nothing else opens the folder first). */
async function openLevel(db: DynaliteStore['db'], path: string): Promise<void> {
  try {
    await db.open();
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED') throw new LevelDbTakenError(path);
    throw error;
  }
}

/** dynalite's entry point: a server over a new store. */
type Dynalite = (options: Record<string, unknown>) => Server;
/** dynalite's `db/` module, which makes its stores. */
interface DynaliteDb {
  create(options: Record<string, unknown>): DynaliteStore;
}

/** Calls `dynalite(options)`, catching the store it makes (its `db/` module's `create`, swapped meanwhile). */
function createServer(
  dynalite: Dynalite,
  db: DynaliteDb,
  options: Record<string, unknown>,
): { server: Server; store: DynaliteStore } {
  const create = db.create;
  let store: DynaliteStore | undefined;
  db.create = (createOptions) => {
    store = create(createOptions);
    return store;
  };
  try {
    const server = dynalite(options);
    if (!store) throw new Error('dynalite did not create its store through dynalite/db');
    return { server, store };
  } finally {
    db.create = create;
  }
}

interface HttpServerExtras {
  closeIdleConnections(): void;
  closeAllConnections(): void;
}

/** Bound on waiting for other processes' in-flight requests when the server stops. */
const DRAIN_BOUND_MS = 5_000;

/**
 * Stops accepting, lets in-flight requests finish (their sockets are referenced again so the
 * process waits for them), closes idle keep-alive connections as they appear, then LevelDB.
 */
async function drainAndClose(server: Server & HttpServerExtras, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.ref();
  const idle = setInterval(() => server.closeIdleConnections(), 50);
  const bound = setTimeout(() => server.closeAllConnections(), DRAIN_BOUND_MS);
  try {
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  } finally {
    clearInterval(idle);
    clearTimeout(bound);
  }
}

/**
 * A client for a local endpoint; `endpoint` may change (the serving process moves), so it is a provider.
 * `inProcess` gives the handler of the server this process runs, while it runs one: requests go to it
 * without HTTP.
 */
export function localClient(
  endpoint: () => string,
  options: {
    timeoutMs?: number;
    maxAttempts?: number;
    inProcess?: () => InProcessHandler | undefined;
  } = {},
): DynamoDBClient {
  const client = new DynamoDBClient({
    ...LOCAL_CLIENT_CONFIG,
    endpoint: async () => endpointV1(endpoint()),
    maxAttempts: options.maxAttempts ?? 1,
    requestHandler: {
      connectionTimeout: options.timeoutMs ?? 5_000,
      requestTimeout: (options.timeoutMs ?? 5_000) * 6,
    },
  });
  if (options.inProcess) addInProcess(client, options.inProcess);
  return client;
}

/** The SDK's endpoint shape: a provider must return this, not a URL or a string. */
function endpointV1(url: string): {
  protocol: string;
  hostname: string;
  port: number;
  path: string;
} {
  const parsed = new URL(url);
  return {
    protocol: parsed.protocol,
    hostname: parsed.hostname,
    port: Number(parsed.port),
    path: parsed.pathname,
  };
}

/** True when a DynamoDB answers a real ListTables at `endpoint` within `timeoutMs`. */
export async function isServing(endpoint: string, timeoutMs = 1_500): Promise<boolean> {
  const client = localClient(() => endpoint, { timeoutMs });
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }), {
      abortSignal: AbortSignal.timeout(timeoutMs) as never,
    });
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

/**
 * Creates the run table unless it exists, and waits until it is ACTIVE. Described first: every command but a
 * home's first finds it there, and one request less (and no error to build) is part of every command's start.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const described = await client.send(new DescribeTableCommand({ TableName: tableName })).catch((error: unknown) => {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  });
  if (described?.Table?.TableStatus === 'ACTIVE') return;
  if (!described) {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
    } catch (error) {
      if ((error as Error).name !== 'ResourceInUseException') throw error;
    }
  }
  for (let i = 0; i < 200; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}
