/**
 * Crash recovery: a `sci run` killed with SIGKILL cannot record its end, so every `sci` command
 * first looks for runs still `queued`/`running` whose owning process (pid on this host) is gone,
 * and ends them as failed with reason `abandoned`, then ends the step process groups the dead
 * process had started on this host (detached, they would otherwise run on unobserved).
 */
import { hostname } from 'node:os';
import type { RunStore } from '../../src/core/ports.ts';
import { endRecordedGroups } from '../build-runner/group-records.ts';
import { isAlive } from '../store/lock.ts';
import { readControl, type Table } from './run-control.ts';

/** A run with no owner yet may be between its creation and its claim; give it this long. */
const UNCLAIMED_GRACE_MS = 60_000;

/** Finds and ends abandoned runs and their orphaned step processes (recorded under `home`); returns the runs' ids. */
export async function reapAbandoned(store: RunStore, table: Table, home: string, now: Date = new Date()): Promise<string[]> {
  const host = hostname();
  const open = await store.listActiveRuns();
  const reaped: string[] = [];
  for (const run of open) {
    const owner = await readControl(table, run.id);
    const dead =
      owner.ownerPid === undefined
        ? now.getTime() - Date.parse(run.createdAt) > UNCLAIMED_GRACE_MS
        : owner.ownerHost === host && !isAlive(owner.ownerPid);
    if (!dead) continue;
    if (await store.markAbandoned(run.id, 'abandoned')) reaped.push(run.id);
    // also when another command marked it first: ending a group twice is harmless, never ending it is not
    await endRecordedGroups(home, run.id);
  }
  return reaped;
}
