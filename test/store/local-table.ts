/**
 * Test support: a real dynalite (in memory) with the run table, and a store on it. The test process serves that
 * dynalite, so its requests take the path a `sci` process takes to the store it serves (local/store/in-process.ts):
 * built, signed and deserialized by the SDK, answered by dynalite's own handler, without an HTTP round trip.
 * Requests over HTTP are local/store/dynalite-server.test.ts's subject, and every end-to-end test's.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../src/core/ports.ts';
import { DynamoRunStore } from '../../src/store/dynamo-run-store.ts';
import { ensureTable, localClient, startDynalite } from '../../local/store/dynalite.ts';

export interface TestTable {
  store: DynamoRunStore;
  /** Raw client (AttributeValue shapes), as the compiled state machines write. */
  client: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  close(): Promise<void>;
}

/** A manual clock: tests move time explicitly, so TTLs and timestamps are exact. */
export function fixedClock(iso = '2026-01-02T03:04:05.000Z'): Clock & { set(iso: string): void } {
  let now = new Date(iso);
  return {
    now: () => now,
    set: (next) => {
      now = new Date(next);
    },
  };
}

export async function startTestTable(clock: Clock = fixedClock(), tableName = 'sci-runs-test'): Promise<TestTable> {
  const server = await startDynalite();
  const client = localClient(() => server.endpoint, { inProcess: () => server.inProcess });
  await ensureTable(client, tableName);
  const documentClient = DynamoDBDocumentClient.from(client);
  return {
    store: new DynamoRunStore(documentClient, tableName, { clock }),
    client,
    documentClient,
    tableName,
    async close() {
      client.destroy();
      await server.close();
    },
  };
}

let shared: Promise<{ server: Awaited<ReturnType<typeof startDynalite>>; client: DynamoDBClient }> | undefined;
let tables = 0;

/**
 * A fresh run table (its own name) on one dynalite per test process: the real store for core
 * tests, at the cost of one CreateTable per test. Close with `closeSharedTables()` in `after`.
 */
export async function freshStore(clock: Clock = fixedClock()): Promise<TestTable> {
  shared ??= startDynalite().then((server) => ({
    server,
    client: localClient(() => server.endpoint, { inProcess: () => server.inProcess }),
  }));
  const { client } = await shared;
  tables += 1;
  const tableName = `sci-runs-${tables}`;
  await ensureTable(client, tableName);
  const documentClient = DynamoDBDocumentClient.from(client);
  return {
    store: new DynamoRunStore(documentClient, tableName, { clock }),
    client,
    documentClient,
    tableName,
    close: async () => undefined,
  };
}

export async function closeSharedTables(): Promise<void> {
  if (!shared) return;
  const { server, client } = await shared;
  shared = undefined;
  client.destroy();
  await server.close();
}
