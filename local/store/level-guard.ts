/**
 * Keeps the process serving the store alive when LevelDB fails, a full disk first.
 *
 * dynalite answers an error that carries a `statusCode` and throws any other from inside a callback
 * (node_modules/dynalite/index.js, its request handler), which kills the process: a LevelDB IO error
 * ("No space left on device" on its log), or "Database is closed" while the server stops. So every
 * error of its LevelDB calls becomes DynamoDB's own InternalServerError (HTTP 500), which our clients
 * send again (local/store/reconnect.ts); LevelDB did not apply the write that failed.
 *
 * A failed write also cuts LevelDB's log short: LevelDB goes on appending to it (the failure of an
 * unsynced write is not sticky), and the writes it answers after the cut are in memory but lost on
 * reopening (the log reader drops them on checksum mismatches). So, once the disk has room again
 * (`onIoError` frees the store's reserve first), the memory table is flushed to a table file and a
 * new log started: `compactRange` does that first, and the empty range compacts nothing else.
 */
import { readdir, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';

/** dynalite's LevelDB (classic-level), with dynalite's callback methods. */
export type GuardedLevel = Record<(typeof GUARDED)[number], (...args: unknown[]) => unknown> & {
  compactRange(start: string, end: string): Promise<void>;
};

export interface LevelGuard {
  /** Flushes to a new log if a failed write cut the log short and the disk has room now; never throws. */
  flushIfCut(): Promise<void>;
}

type Callback = (error: (Error & { code?: string; statusCode?: number }) | null, ...values: unknown[]) => void;

/** The LevelDB calls dynalite makes with a callback; `get` included, as a read can fail too. */
const GUARDED = ['put', 'del', 'batch', 'get'] as const;
const WRITES = new Set<string>(['put', 'del', 'batch']);

/** Room kept free beyond the flushed table's size (at most the size of the log it replaces). */
const FLUSH_MARGIN_BYTES = 256 * 1024;

export function guardLevel(level: GuardedLevel, path: string, onIoError: () => Promise<void>): LevelGuard {
  let cut = false;
  let flushing: Promise<void> | undefined;
  const flushIfCut = () => {
    if (!cut) return Promise.resolve();
    flushing ??= (async () => {
      if (!(await roomToFlush(path))) return;
      await level.compactRange('\x00', '\x00');
      cut = false;
    })()
      .catch(() => undefined)
      .finally(() => {
        flushing = undefined;
      });
    return flushing;
  };
  const failed = async (method: string, error: Error & { code?: string }) => {
    if (error.code !== 'LEVEL_IO_ERROR' || !WRITES.has(method)) return;
    cut = true;
    await onIoError().catch(() => undefined);
    await flushIfCut();
  };
  for (const method of GUARDED) {
    const original = level[method];
    level[method] = (...args: unknown[]) => {
      const callback = args.at(-1);
      if (typeof callback !== 'function') return original.apply(level, args);
      const guarded: Callback = (error, ...values) => {
        if (!error || error.statusCode) return (callback as Callback)(error, ...values);
        void failed(method, error).then(() => (callback as Callback)(internalServerError(error)));
      };
      const send = () => original.apply(level, [...args.slice(0, -1), guarded]);
      // while the log is cut, a write waits for the flush (when the disk has room for it) before it goes in
      if (!cut || !WRITES.has(method)) return send();
      void flushIfCut().then(send);
    };
  }
  return { flushIfCut };
}

/** Whether the disk holds a table as big as LevelDB's logs (what the memory table holds), with a margin. */
async function roomToFlush(path: string): Promise<boolean> {
  let logs = 0;
  for (const name of await readdir(path)) if (name.endsWith('.log')) logs += (await stat(join(path, name))).size;
  const disk = await statfs(path);
  return disk.bavail * disk.bsize >= logs + FLUSH_MARGIN_BYTES;
}

function internalServerError(error: Error): Error & { statusCode: number; body: unknown } {
  return Object.assign(error, {
    statusCode: 500,
    body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: error.message },
  });
}
