/**
 * A fresh workspace per build: a clean export of the commit (never the user's working tree,
 * so uncommitted files and other steps' leftovers are invisible), plus a private HOME.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { copySmallTree } from './copy-tree.ts';

const exec = promisify(execFile);

export interface Workspace {
  /** The checkout: `CODEBUILD_SRC_DIR`. */
  src: string;
  /** A private, initially empty HOME, as in a fresh container. */
  home: string;
  /**
   * A process step's TMPDIR, as a container's own /tmp: removed with the workspace, so what a
   * cancelled or killed step had in flight there (the pull phase's download) goes with it.
   */
  tmp: string;
  root: string;
}

/** One pristine export per commit and run directory, made once, copied into every workspace. */
const pristine = new Map<string, Promise<string>>();
/** Pristine exports too large to copy in process (`copySmallTree`): each is copied by `cp -R`. */
const large = new Set<string>();
/** Entries up to which a pristine export is copied in process: a checkout of a few hundred files. */
const SMALL_TREE = 500;

/**
 * A copy of the commit's pristine export at `to`. The first workspace of a commit and run directory exports it
 * and copies it in the same shell, the others copy it once it is made, in process when it is small: at most one
 * process the `sci` process starts per workspace (each costs it a fork: docs/benchmarks.md).
 */
async function copyCommit(repoDir: string, sha: string, runDir: string, to: string): Promise<void> {
  const dir = join(runDir, `.commit-${sha}`);
  const made = pristine.get(dir);
  if (made) {
    const from = await made;
    if (large.has(from) || !copySmallTree(from, to, SMALL_TREE)) {
      large.add(from);
      await exec('cp', ['-R', from, to]);
    }
    return;
  }
  const making = (async () => {
    await mkdir(dir, { recursive: true });
    // git archive exports exactly the committed tree; pipefail so a bad sha is an error, not an empty dir
    await exec('bash', [
      '-o',
      'pipefail',
      '-c',
      'git -C "$1" archive --format=tar "$2" | tar -x -C "$3" && cp -R "$3" "$4"',
      'checkout',
      repoDir,
      sha,
      dir,
      to,
    ]);
    return dir;
  })();
  making.catch(() => pristine.delete(dir));
  pristine.set(dir, making);
  await making;
}

/**
 * A workspace for one build at `<runDir>/<name>`: a copy of the commit's pristine export
 * (cheaper than exporting again for every step of a run), and a private HOME.
 */
export async function createWorkspace(repoDir: string, sha: string, runDir: string, name: string): Promise<Workspace> {
  const root = join(runDir, name);
  const ws: Workspace = { root, src: join(root, 'src'), home: join(root, 'home'), tmp: join(root, 'tmp') };
  // the copy's parent first: `cp -R` makes only `src` itself
  await Promise.all([mkdir(ws.home, { recursive: true }), mkdir(ws.tmp, { recursive: true })]);
  await copyCommit(repoDir, sha, runDir, ws.src);
  return ws;
}

/** Removes what the builds of one run left (pristine exports included); never throws. */
export async function removeRunDir(runDir: string): Promise<void> {
  for (const dir of pristine.keys()) if (dir.startsWith(`${runDir}/`)) pristine.delete(dir);
  for (const dir of large) if (dir.startsWith(`${runDir}/`)) large.delete(dir);
  await rm(runDir, { recursive: true, force: true }).catch(() => undefined);
}

/** Removes a workspace; never throws (a leftover directory is not worth failing a step for). */
export async function removeWorkspace(ws: Pick<Workspace, 'root'>): Promise<void> {
  await rm(ws.root, { recursive: true, force: true }).catch(() => undefined);
}
