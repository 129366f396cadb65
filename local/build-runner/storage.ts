/**
 * The local stand-in for the artifact bucket: an S3 location `<bucket>/<path>/<name>.zip`
 * becomes the directory `<home>/artifacts/<path>/<name>`, and the cache `<bucket>/cache` plus a
 * buildspec cache key becomes `<home>/cache/<key>`. Directories instead of zips: nothing to pack.
 */
import { cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { dirname, isAbsolute, join, relative } from 'node:path';
import picomatch from 'picomatch';
import type { S3Location } from './params.ts';

function safeSegments(path: string): string {
  return path
    .split('/')
    .filter((s) => s !== '' && s !== '.' && s !== '..')
    .join('/');
}

/** Directory standing in for an S3 object `<bucket>/<rest>` (`.zip` dropped). */
export function artifactDir(artifactsRoot: string, location: string): string {
  const rest = safeSegments(location).split('/').slice(1).join('/');
  return join(artifactsRoot, rest.replace(/\.zip$/, ''));
}

/** Where an `ArtifactsOverride` (Location = bucket, Path, Name) is kept. */
export function outputArtifactDir(artifactsRoot: string, a: S3Location): string {
  return artifactDir(artifactsRoot, [a.Location ?? 'bucket', a.Path ?? '', a.Name ?? 'artifact'].join('/'));
}

async function walk(dir: string, base = dir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return e.name === '.git' ? [] : walk(path, base);
      return [relative(base, path)];
    }),
  );
  return nested.flat();
}

/** Copies the files of `srcDir` matching `patterns` (CodeBuild globs) into `destDir`; returns how many. */
export async function saveArtifacts(srcDir: string, patterns: string[], destDir: string): Promise<number> {
  const isMatch = picomatch(patterns.map((p) => p.replace(/^\.\//, '')), { dot: true });
  const files = (await walk(srcDir)).filter((f) => isMatch(f));
  const staging = `${destDir}.tmp-${randomUUID()}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  for (const file of files) {
    await mkdir(dirname(join(staging, file)), { recursive: true });
    await cp(join(srcDir, file), join(staging, file));
  }
  await rm(destDir, { recursive: true, force: true });
  await rename(staging, destDir);
  return files.length;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Copies a stored artifact into a build's secondary-source directory (empty if none was kept). */
export async function restoreArtifact(storedDir: string, targetDir: string): Promise<void> {
  await mkdir(targetDir, { recursive: true });
  if (await exists(storedDir)) await cp(storedDir, targetDir, { recursive: true });
}

/** A cache path as written in a buildspec (`~/.npm/**\/*`, `node_modules/**\/*`) → a directory. */
export function cachePathDir(path: string, src: string, home: string): string {
  const trimmed = path.replace(/\/\*\*(\/\*)?$/, '').replace(/\/\*$/, '');
  if (trimmed === '~' || trimmed.startsWith('~/')) return join(home, trimmed.slice(1));
  return isAbsolute(trimmed) ? trimmed : join(src, trimmed);
}

function cacheSlot(cacheRoot: string, key: string, index: number): string {
  return join(cacheRoot, key.replace(/[^A-Za-z0-9._-]/g, '_'), String(index));
}

/** Restores each cache path that was saved under `key`; returns how many were found. */
export async function restoreCache(cacheRoot: string, key: string, dirs: string[]): Promise<number> {
  let found = 0;
  for (const [i, dir] of dirs.entries()) {
    const slot = cacheSlot(cacheRoot, key, i);
    if (!(await exists(slot))) continue;
    await mkdir(dir, { recursive: true });
    await cp(slot, dir, { recursive: true });
    found += 1;
  }
  return found;
}

/** Saves each existing cache path under `key` (replacing the previous copy). */
export async function saveCache(cacheRoot: string, key: string, dirs: string[]): Promise<void> {
  for (const [i, dir] of dirs.entries()) {
    if (!(await exists(dir))) continue;
    const slot = cacheSlot(cacheRoot, key, i);
    const staging = `${slot}.tmp-${randomUUID()}`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(dirname(slot), { recursive: true });
    await cp(dir, staging, { recursive: true });
    await rm(slot, { recursive: true, force: true });
    await rename(staging, slot);
  }
}
