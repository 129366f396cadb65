/**
 * What every local `sci` command opens first: the state home, the shared run store (dynalite,
 * one server per home, shared across processes), the runner's directories, and crash recovery
 * (runs left by a killed `sci run` are ended as abandoned before anything is shown).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RunStore } from '../src/core/ports.ts';
import type { RunnerPaths } from './build-runner/runner.ts';
import { openLocalStore } from './store/dynalite-server.ts';
import { reapAbandoned } from './engine/recovery.ts';
import type { Table } from './engine/run-control.ts';
import { homePaths, resolveHome } from './home.ts';

export interface LocalSession {
  home: string;
  store: RunStore;
  dynamo: DynamoDBClient;
  table: Table;
  paths: RunnerPaths;
  close(): Promise<void>;
}

/** Directories of the state home the engine writes (the store keeps its own). */
export function runnerPaths(home: string): RunnerPaths {
  const { artifacts, cache, logs, work, secrets } = homePaths(home);
  return { home, artifacts, cache, logs, work, secrets };
}

/** Opens the store of `SCI_HOME`, else of `<repoDir>/.sci-state`, and reaps abandoned runs. */
export async function openSession(repoDir: string = process.cwd()): Promise<LocalSession> {
  // the SDK's notice about future Node versions concerns AWS deployments, not a laptop's sci
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const home = resolveHome(repoDir);
  const local = await openLocalStore(home);
  const table: Table = { dynamo: local.client, tableName: local.tableName };
  await reapAbandoned(local.store, table, home);
  return { home, store: local.store, dynamo: local.client, table, paths: runnerPaths(home), close: () => local.close() };
}

/** Runs `fn` with an open session and always closes it. */
export async function withSession<T>(repoDir: string | undefined, fn: (session: LocalSession) => Promise<T>): Promise<T> {
  const session = await openSession(repoDir);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}
