/**
 * What every local `sci` command opens first: the state home, the shared run store (dynalite,
 * one server per home, shared across processes), the runner's directories, and crash recovery
 * (runs left by a killed `sci run` are ended as abandoned before anything is shown).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RunStore } from '../src/core/ports.ts';
import type { RunnerPaths } from './build-runner/runner.ts';
import type { StoreWrites } from './store/changes.ts';
import { openLocalStore } from './store/dynalite-server.ts';
import { reapAbandoned } from './engine/recovery.ts';
import type { Table } from './engine/run-control.ts';
import { existsSync } from 'node:fs';
import { homePaths, NoStateHomeError, repositoryRoot, resolveHome } from './home.ts';

export interface LocalSession {
  home: string;
  store: RunStore;
  dynamo: DynamoDBClient;
  table: Table;
  paths: RunnerPaths;
  /** Writes answered while this process serves the store, for pollers (local/store/changes.ts). */
  writes: StoreWrites;
  close(): Promise<void>;
}

/** Directories of the state home the engine writes (the store keeps its own). */
export function runnerPaths(home: string): RunnerPaths {
  const { artifacts, cache, logs, work, secrets } = homePaths(home);
  return { home, artifacts, cache, logs, work, secrets };
}

export interface SessionOptions {
  /**
   * Whether a missing state home is made. Commands that only read or act on existing runs
   * (`show`, `runs`, `logs`, `cancel`…) pass false: they throw {@link NoStateHomeError} instead of
   * leaving a `.sci-state` wherever they were called. @default true
   */
  create?: boolean;
}

/**
 * Opens the store of `SCI_HOME`, else of `<repository root>/.sci-state` (the root found from
 * `repoDir` as git does), and reaps abandoned runs.
 */
export async function openSession(
  repoDir: string = process.cwd(),
  options: SessionOptions = {},
): Promise<LocalSession> {
  // the SDK's notice about future Node versions concerns AWS deployments, not a laptop's sci
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const home = resolveHome(() => repositoryRoot(repoDir));
  if (options.create === false && !existsSync(homePaths(home).storeDb)) throw new NoStateHomeError(home);
  const local = await openLocalStore(home);
  const table: Table = { dynamo: local.client, tableName: local.tableName };
  await reapAbandoned(local.store, table, home);
  return {
    home,
    store: local.store,
    dynamo: local.client,
    table,
    paths: runnerPaths(home),
    writes: local.writes,
    close: () => local.close(),
  };
}

/** Runs `fn` with an open session and always closes it. */
export async function withSession<T>(
  repoDir: string | undefined,
  fn: (session: LocalSession) => Promise<T>,
  options: SessionOptions = {},
): Promise<T> {
  const session = await openSession(repoDir, options);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}
