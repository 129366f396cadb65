/**
 * An exclusive, crash-safe lock file: created with O_EXCL and holding the owner's pid. A lock
 * whose pid is gone (SIGKILL, crash) is stale and taken over. The LevelDB LOCK (a kernel lock,
 * released on death) stays the last line of defence should two processes ever both believe they
 * hold this one.
 */
import { readFileSync, rmSync } from 'node:fs';
import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';

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
export async function tryLock(
  path: string,
  isStale: (holderPid: number, ageMs: number) => boolean = (pid) => !isAlive(pid),
): Promise<HeldLock | undefined> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return heldLock(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (!(await removeIfStale(path, isStale))) return undefined;
  }
  return undefined;
}

/**
 * Moves a stale lock aside under a name of our own before deleting it, so two processes that
 * both saw it stale cannot both delete a fresh lock taken in between: only one rename succeeds.
 */
async function removeIfStale(path: string, isStale: (holderPid: number, ageMs: number) => boolean): Promise<boolean> {
  const holder = await readHolder(path);
  if (holder === undefined) return true; // vanished meanwhile: try again
  const stale = holder.pid === 0 ? holder.ageMs > EMPTY_LOCK_GRACE_MS : isStale(holder.pid, holder.ageMs);
  if (!stale) return false;
  const aside = `${path}.stale.${process.pid}`;
  try {
    await rename(path, aside);
  } catch {
    return true; // someone else moved it first
  }
  const moved = await readHolder(aside);
  if (moved && moved.pid !== holder.pid) {
    // We moved a fresh lock taken after our check: put it back, unless its place was taken again
    // (link fails on an existing name where rename would overwrite it).
    await link(aside, path).catch(() => undefined);
    await rm(aside, { force: true });
    return false;
  }
  await rm(aside, { force: true });
  return true;
}

/** The holder's pid (0 while the file is still empty) and the lock's age. */
async function readHolder(path: string): Promise<{ pid: number; ageMs: number } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    const pid = /^\d+$/.test(text) ? Number(text) : 0;
    return { pid, ageMs: Date.now() - info.mtimeMs };
  } catch {
    return undefined;
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
