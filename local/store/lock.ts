/**
 * An exclusive, crash-safe lock file: created with O_EXCL and holding the owner's pid. A lock
 * whose pid is gone (SIGKILL, crash) is stale and taken over, by one taker at a time (a breaker
 * file). The LevelDB LOCK (a kernel lock, released on death) stays the last line of defence should
 * two processes ever both believe they hold this one (takers racing over a breaker whose own taker
 * died while breaking).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { link, open, readFile, rename, rm } from 'node:fs/promises';

/** A lock file still empty this long after creation lost its owner between create and write. */
const EMPTY_LOCK_GRACE_MS = 5_000;

export interface HeldLock {
  path: string;
  release(): Promise<void>;
  /** For `process.on('exit')`, where nothing asynchronous runs. */
  releaseSync(): void;
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock, or returns undefined when a live process holds it. */
export async function tryLock(path: string, isStale: IsStale = (pid) => !isAlive(pid)): Promise<HeldLock | undefined> {
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await createHolding(path)) return heldLock(path);
    if (!(await removeIfStale(path, isStale))) return undefined;
  }
  return undefined;
}

/** Creates `path` (O_EXCL) holding our pid: false when it exists. */
async function createHolding(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx');
    await handle.writeFile(String(process.pid));
    await handle.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  }
}

type IsStale = (holderPid: number, ageMs: number) => boolean;

/** Whether a lock file's holder is gone: stale by `isStale`, or still empty past the grace of its writing. */
const gone = (holder: Holder, isStale: IsStale) =>
  holder.pid === 0 ? holder.ageMs > EMPTY_LOCK_GRACE_MS : isStale(holder.pid, holder.ageMs);

/**
 * Removes a stale lock under a breaker of its own (`<path>.break`, taken with O_EXCL), having read again, once it
 * holds the breaker, that the file at `path` is still the one found stale: among takers that all saw it stale, only
 * one removes it, and none removes a fresh lock another taker made meanwhile. False when the lock is not stale, or
 * while another taker breaks it (that taker then holds it, or a racing one does).
 */
async function removeIfStale(path: string, isStale: IsStale): Promise<boolean> {
  const holder = await readHolder(path);
  if (holder === undefined) return true; // vanished meanwhile: try again
  if (!gone(holder, isStale)) return false;
  const breaker = `${path}.break`;
  if (!(await takeBreaker(breaker))) return false;
  try {
    const now = await readHolder(path);
    if (now !== undefined && !sameFile(now, holder)) return false;
    await rm(path, { force: true });
    return true;
  } finally {
    await rm(breaker, { force: true });
  }
}

/** Takes the breaker; a breaker whose taker died while breaking (it holds a dead pid) is moved aside first. */
async function takeBreaker(breaker: string): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await createHolding(breaker)) return true;
    const holder = await readHolder(breaker);
    if (holder && !(gone(holder, (pid) => !isAlive(pid)) && (await moveAsideIfSame(breaker, holder)))) return false;
  }
  return false;
}

/**
 * Moves `path` aside under a name of our own and deletes it when it is still the file `seen`: only one of several
 * takers' renames succeeds, and a file made after `seen` is put back (link fails where its place was taken again).
 */
async function moveAsideIfSame(path: string, seen: Holder): Promise<boolean> {
  const aside = `${path}.stale.${process.pid}.${randomUUID()}`;
  try {
    await rename(path, aside);
  } catch {
    return true; // someone else moved it first
  }
  const moved = await readHolder(aside);
  if (moved && !sameFile(moved, seen)) {
    await link(aside, path).catch(() => undefined);
    await rm(aside, { force: true });
    return false;
  }
  await rm(aside, { force: true });
  return true;
}

/** A lock file's holder (pid 0 while the file is still empty), age and identity. */
interface Holder {
  pid: number;
  ageMs: number;
  ino: number;
  mtimeMs: number;
}

const sameFile = (a: Holder, b: Holder) => a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.pid === b.pid;

async function readHolder(path: string): Promise<Holder | undefined> {
  // one open file for the text and the identity: a file replaced between two reads must not mix them
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const [text, info] = [await handle.readFile('utf8'), await handle.stat()];
    const pid = /^\d+$/.test(text) ? Number(text) : 0;
    return { pid, ageMs: Date.now() - info.mtimeMs, ino: info.ino, mtimeMs: info.mtimeMs };
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

function heldLock(path: string): HeldLock {
  const mine = async () => (await readFile(path, 'utf8').catch(() => '')) === String(process.pid);
  return {
    path,
    async release() {
      if (await mine()) await rm(path, { force: true });
    },
    releaseSync() {
      removeSyncIfMine(path);
    },
  };
}

function removeSyncIfMine(path: string): void {
  try {
    if (readFileSync(path, 'utf8') === String(process.pid)) rmSync(path, { force: true });
  } catch {
    // already gone
  }
}
