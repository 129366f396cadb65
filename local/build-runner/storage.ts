/**
 * The local stand-in for the artifact bucket: the object `<bucket>/<key>` is the file
 * `<home>/artifacts/<key>` (a step's artifacts: the ZIP `runs/<runId>/<stepKey>.zip`, as CodeBuild
 * uploads it), read back by the pull phase of the steps that need it through a local `aws s3 cp`.
 * The cache `<bucket>/cache` plus a buildspec cache key becomes the directory `<home>/cache/<key>`;
 * another cache location of the bucket (`<bucket>/untrusted/cache`) is `<home>/untrusted/cache`.
 */
import { chmod, cp, lstat, mkdir, readdir, readlink, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import picomatch from 'picomatch';
import type { S3Location } from './params.ts';
import { writeZip, type ZipEntry } from './zip.ts';

function safeSegments(path: string): string {
  return path
    .split('/')
    .filter((s) => s !== '' && s !== '.' && s !== '..')
    .join('/');
}

/** The file standing in for the S3 object `<bucket>/<key>` (one local bucket: the name is dropped). */
export function objectPath(artifactsRoot: string, location: string): string {
  return join(artifactsRoot, safeSegments(location).split('/').slice(1).join('/'));
}

/** Where an `ArtifactsOverride` (Location = bucket, Path, Name) is uploaded. */
export function outputObjectPath(artifactsRoot: string, a: S3Location): string {
  return objectPath(artifactsRoot, [a.Location ?? 'bucket', a.Path ?? '', a.Name ?? 'artifact'].join('/'));
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

/** The target of the link `file` when it is relative and stays inside `root`, else undefined. */
async function internalLink(root: string, file: string): Promise<string | undefined> {
  const target = await readlink(join(root, file));
  if (isAbsolute(target)) return undefined;
  const resolved = resolve(dirname(join(root, file)), target);
  return resolved === root || resolved.startsWith(`${root}/`) ? target : undefined;
}

/**
 * Packs the files of `srcDir` matching `patterns` (CodeBuild globs) into the ZIP `zipPath`. A
 * symbolic link stays a link when it is relative and points inside `srcDir` (`node_modules/.bin/*`),
 * as CodeBuild's `enable-symlinks` keeps internal links; any other link is refused, not followed:
 * following it would read, with sci's rights, a file the step may not see (a sandboxed step's
 * link to the host's `~/.ssh`), and keeping it would point at nothing in the consuming workspace.
 */
export async function saveArtifacts(
  srcDir: string,
  patterns: string[],
  zipPath: string,
): Promise<{ kept: number; refused: string[] }> {
  const root = resolve(srcDir);
  const isMatch = picomatch(
    patterns.map((p) => p.replace(/^\.\//, '')),
    { dot: true },
  );
  const entries: ZipEntry[] = [];
  const refused: string[] = [];
  for (const path of (await walk(root)).filter((f) => isMatch(f)).sort()) {
    if (!(await lstat(join(root, path))).isSymbolicLink()) entries.push({ path });
    else {
      const link = await internalLink(root, path);
      if (link === undefined) refused.push(`${path} -> ${await readlink(join(root, path))}`);
      else entries.push({ path, link });
    }
  }
  const staging = `${zipPath}.tmp-${randomUUID()}`;
  await mkdir(dirname(zipPath), { recursive: true });
  // a failed write (a full disk) leaves no half ZIP behind
  await writeZip(root, entries, staging).catch(async (error: unknown) => {
    await rm(staging, { force: true });
    throw error;
  });
  await rename(staging, zipPath);
  return { kept: entries.length, refused };
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * The AWS CLI as a local build sees it: `aws s3 cp s3://BUCKET/KEY FILE` copies the object from
 * the local store, and a missing one fails with the 404 text the real CLI prints, so the
 * buildspec's pull phase runs unchanged. Written into `binDir`, which the runner puts first on PATH.
 */
export async function writeLocalAwsCli(binDir: string, artifactsRoot: string): Promise<void> {
  await mkdir(binDir, { recursive: true });
  const root = artifactsRoot.replace(/'/g, `'\\''`);
  const script = `#!/bin/sh
# serverless-ci local build: only \`aws s3 cp s3://BUCKET/KEY FILE\`, from the local artifact store
if [ "$1" != s3 ] || [ "$2" != cp ]; then echo "aws: a local build only has 'aws s3 cp s3://BUCKET/KEY FILE'" >&2; exit 252; fi
shift 2
while [ "\${1#--}" != "$1" ]; do shift; done
key=\${1#s3://}; key=\${key#*/}
case "/$key/" in */../*) echo "aws: bad key $key" >&2; exit 252 ;; esac
if [ ! -f '${root}'/"$key" ]; then
  echo "fatal error: An error occurred (404) when calling the HeadObject operation: Key \\"$key\\" does not exist" >&2; exit 1
fi
cp '${root}'/"$key" "$2"
`;
  await writeFile(join(binDir, 'aws'), script);
  await chmod(join(binDir, 'aws'), 0o755);
}

/** A buildspec cache path that would lead out of the build's workspace (through `..`). */
export class CachePathError extends Error {
  override name = 'CachePathError';
}

/**
 * The directory standing in for a `CacheOverride` location: the bucket's namespaces stay apart
 * locally too, so an untrusted run's cache entries never reach a trusted build.
 */
export function cacheRootOf(cacheDir: string, location: string | undefined): string {
  const namespace = safeSegments(location ?? '')
    .split('/')
    .slice(1)
    .join('/');
  return namespace === '' || namespace === 'cache' ? cacheDir : join(dirname(cacheDir), namespace);
}

/**
 * A cache path as written in a buildspec (`~/.npm/**\/*`, `node_modules/**\/*`) → a directory
 * of the workspace: the checkout, or the build's HOME for `~/`; undefined for an absolute path,
 * which names a directory of the build's container on CodeBuild but of the host here (restoring
 * a cache writes into it), so it is not cached locally. A path through `..` out of the workspace
 * is refused.
 */
export function cachePathDir(path: string, src: string, home: string): string | undefined {
  const trimmed = path.replace(/\/\*\*(\/\*)?$/, '').replace(/\/\*$/, '');
  if (isAbsolute(trimmed)) return undefined;
  const inHome = trimmed === '~' || trimmed.startsWith('~/');
  const base = inHome ? home : src;
  const dir = join(base, inHome ? trimmed.slice(1) : trimmed);
  const inside = relative(base, dir);
  if (inside === '..' || inside.startsWith('../'))
    throw new CachePathError(`cache path ${path} leads out of the workspace`);
  return dir;
}

/**
 * The slot of a cache key: every character but letters, digits, `_` and `-` is %-encoded, so a
 * key (expanded from event values) is one directory name, never `.`, `..` or a path.
 */
function cacheSlot(cacheRoot: string, key: string, index: number): string {
  const name = key.replace(/[^A-Za-z0-9_-]/g, (c) => `%${c.codePointAt(0)!.toString(16)}`);
  return join(cacheRoot, name, String(index));
}

/** Restores each cache path that was saved under `key`; returns how many were found. */
export async function restoreCache(cacheRoot: string, key: string, dirs: string[]): Promise<number> {
  let found = 0;
  for (const [i, dir] of dirs.entries()) {
    const slot = cacheSlot(cacheRoot, key, i);
    if (!(await exists(slot))) continue;
    await mkdir(dir, { recursive: true });
    // verbatim: fs.cp would rewrite a relative link into an absolute path to the saving build's workspace
    await cp(slot, dir, { recursive: true, verbatimSymlinks: true });
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
    await cp(dir, staging, { recursive: true, verbatimSymlinks: true }).catch(async (error: unknown) => {
      await rm(staging, { recursive: true, force: true });
      throw error;
    });
    await rm(slot, { recursive: true, force: true });
    await rename(staging, slot);
  }
}
