/**
 * Crash recovery: a `sci run` killed with SIGKILL cannot record its end, so every `sci` command
 * first looks for runs still `queued`/`running` whose owner is gone, ends them as failed with
 * reason `abandoned`, ends the step process groups the dead process had started on this host
 * (detached, they would otherwise run on unobserved) and removes the run's workspaces.
 *
 * An owner on this host is gone when its pid is; an owner on another host (a home on a shared
 * or copied disk) when it has not recorded a heartbeat for {@link REMOTE_STALE_MS}.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { RunStore } from '../../src/core/ports.ts';
import { endRecordedGroups } from '../build-runner/group-records.ts';
import { removeRunDir } from '../build-runner/workspace.ts';
import { homePaths } from '../home.ts';
import { isAlive } from '../store/lock.ts';
import { readControl, type RunControl, type Table } from './run-control.ts';

/** A run with no owner yet may be between its creation and its claim; give it this long. */
const UNCLAIMED_GRACE_MS = 60_000;

/**
 * Silence after which an owner on another host counts as gone: many heartbeats (24 at the default
 * heartbeat of run-control.ts), and room for the two hosts' clocks to disagree by a minute, whatever the heartbeat.
 */
export const REMOTE_STALE_MS = 120_000;

/** Why the run's owner is gone, or undefined while it may be alive. */
function ownerGone(run: { createdAt: string }, owner: RunControl, host: string, now: Date): string | undefined {
  if (owner.ownerPid === undefined)
    return now.getTime() - Date.parse(run.createdAt) > UNCLAIMED_GRACE_MS ? 'abandoned' : undefined;
  if (owner.ownerHost === host) return isAlive(owner.ownerPid) ? undefined : 'abandoned';
  const lastSign = Date.parse(owner.heartbeatAt ?? run.createdAt);
  return now.getTime() - lastSign > REMOTE_STALE_MS
    ? `abandoned: its engine on ${owner.ownerHost ?? 'another host'} stopped answering`
    : undefined;
}

/** Finds and ends abandoned runs, their orphaned step processes and workspaces (under `home`); returns the runs' ids. */
export async function reapAbandoned(
  store: RunStore,
  table: Table,
  home: string,
  now: Date = new Date(),
): Promise<string[]> {
  const host = hostname();
  const open = await store.listActiveRuns();
  const reaped: string[] = [];
  // a run waiting in its concurrency group has no process by design: the group's next end starts it
  for (const run of open.filter((r) => r.waitingFor === undefined)) {
    const owner = await readControl(table, run.id);
    const reason = ownerGone(run, owner, host, now);
    if (!reason) continue;
    if (await store.markAbandoned(run.id, reason)) reaped.push(run.id);
    // also when another command marked it first: ending a group twice is harmless, never ending it is not
    if (owner.ownerHost === undefined || owner.ownerHost === host) await endRecordedGroups(home, run.id);
    await removeRunDir(join(homePaths(home).work, run.id));
  }
  return reaped;
}
