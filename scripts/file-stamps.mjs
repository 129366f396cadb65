// How a kept bundle tells that a file it was made from changed: the file's size and modification time. Used by the
// CLI's bundle (cli-cache.mjs) and the tests' Lambda bundles (test/infra/esbuild-cache.mjs).
import { statSync } from 'node:fs';
import { resolve } from 'node:path';

/** `<size>:<mtimeMs>` of `file` (a path relative to `root`), or `missing`. */
export function stamp(root, file) {
  const stat = statSync(resolve(root, file), { throwIfNoEntry: false });
  return stat ? `${stat.size}:${stat.mtimeMs}` : 'missing';
}

/** Whether every file of `recorded` (path → its stamp then) still has that stamp. */
export function unchanged(root, recorded) {
  return Object.entries(recorded).every(([file, then]) => stamp(root, file) === then);
}
