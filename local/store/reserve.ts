/**
 * Space kept back for the run store. When a step fills the disk of the state home (its log, its
 * workspace, its artifacts or its cache), LevelDB could no longer record the step's failure, nor
 * even open (it writes a new manifest on open). So the store keeps `store/reserve`, a file of
 * {@link RESERVE_BYTES} made while the disk has room, and deletes it the moment a build meets a
 * full disk: what it frees is what the store needs to record the failure and to open again.
 */
import { open, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { homePaths } from '../home.ts';

export const RESERVE_BYTES = 1024 * 1024;

/** The reserve is made only while the disk has this many free bytes, so making it never fills it. */
const ROOM_TO_RESERVE = 8 * RESERVE_BYTES;

function reserveFile(home: string): string {
  return join(homePaths(home).store, 'reserve');
}

/** An error of a full disk or of a file grown past the size limit (`ulimit -f`), or of a quota. */
export function isDiskFull(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EFBIG' || code === 'EDQUOT';
}

/** Makes the reserve if it is missing and the disk has room; never throws. */
export async function ensureReserve(home: string): Promise<void> {
  const path = reserveFile(home);
  try {
    const fs = await statfs(homePaths(home).store);
    if (fs.bavail * fs.bsize < ROOM_TO_RESERVE) return;
    // wx: an existing reserve is left as is
    const file = await open(path, 'wx');
    try {
      // written, not truncated to size: a sparse file would hold no blocks
      await file.write(Buffer.alloc(RESERVE_BYTES));
      await file.sync();
    } finally {
      await file.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') await rm(path, { force: true }).catch(() => undefined);
  }
}

/** Frees the reserve (a build met a full disk, or the store could not open); never throws. */
export async function releaseReserve(home: string): Promise<void> {
  await rm(reserveFile(home), { force: true }).catch(() => undefined);
}
