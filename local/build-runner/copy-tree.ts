/**
 * A small tree copied in process as `cp -R from to` copies it (`to` new): folders, regular files with their modes
 * less the umask, symbolic links as links with the same target, no timestamps kept. Spawning `cp` costs the `sci`
 * process a fork of itself, ≈ 8-10 ms of CPU once a run's modules are loaded (docs/benchmarks.md), far more than
 * copying the few files of a small checkout; a large tree is still left to `cp`, whose cost per file is lower.
 */
import {
  chmodSync,
  copyFileSync,
  type Dirent,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * Copies `from` to `to` and returns true when `from` holds at most `maxEntries` entries, all of them folders,
 * regular files or links; returns false, having written nothing, otherwise.
 */
export function copySmallTree(from: string, to: string, maxEntries: number): boolean {
  // breadth first: a folder's entry comes before its own entries
  const entries: Array<{ path: string; entry: Dirent }> = [];
  const folders = [''];
  for (let i = 0; i < folders.length; i++) {
    const folder = folders[i] as string;
    for (const entry of readdirSync(join(from, folder), { withFileTypes: true })) {
      if (!entry.isDirectory() && !entry.isFile() && !entry.isSymbolicLink()) return false;
      const path = join(folder, entry.name);
      entries.push({ path, entry });
      if (entries.length > maxEntries) return false;
      if (entry.isDirectory()) folders.push(path);
    }
  }
  const umask = process.umask();
  // mkdir applies the umask itself, as cp's new folders get the source's mode less the umask
  mkdirSync(to, lstatSync(from).mode & 0o7777);
  for (const { path, entry } of entries) {
    const [source, target] = [join(from, path), join(to, path)];
    if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else if (entry.isDirectory()) mkdirSync(target, lstatSync(source).mode & 0o7777);
    else {
      // copyFile keeps the source's mode whole; cp keeps it less the umask
      copyFileSync(source, target);
      const mode = lstatSync(source).mode & 0o7777;
      if ((mode & ~umask) !== mode) chmodSync(target, mode & ~umask);
    }
  }
  return true;
}
