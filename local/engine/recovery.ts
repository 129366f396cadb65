/**
 * Crash recovery: a `sci run` killed with SIGKILL cannot record its end, so every `sci` command
 * first looks for runs still `queued`/`running` whose owning process (pid on this host) is gone,
 * and ends them as failed with reason `abandoned`.
 */
import { hostname } from 'node:os';
import type { RunStore } from '../../src/core/ports.ts';
import { isAlive } from '../store/lock.ts';
import { readControl, type Table } from './run-control.ts';

/** A run with no owner yet may be between its creation and its claim; give it this long. */
const UNCLAIMED_GRACE_MS = 60_000;

/** Finds and ends abandoned runs; returns their ids. */
export async function reapAbandoned(store: RunStore, table: Table, now: Date = new Date()): Promise<string[]> {
  const host = hostname();
  const open = await store.listActiveRuns();
  const reaped: string[] = [];
  for (const run of open) {
    const owner = await readControl(table, run.id);
    const dead =
      owner.ownerPid === undefined
        ? now.getTime() - Date.parse(run.createdAt) > UNCLAIMED_GRACE_MS
        : owner.ownerHost === host && !isAlive(owner.ownerPid);
    if (dead && (await store.markAbandoned(run.id, 'abandoned'))) reaped.push(run.id);
  }
  return reaped;
}
