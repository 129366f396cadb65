/**
 * A fresh workspace per build: a clean export of the commit (never the user's working tree,
 * so uncommitted files and other steps' leftovers are invisible), plus a private HOME.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface Workspace {
  /** The checkout: `CODEBUILD_SRC_DIR`. */
  src: string;
  /** A private, initially empty HOME, as in a fresh container. */
  home: string;
  /** Where secondary sources (needed steps' artifacts) are unpacked. */
  sources: string;
  root: string;
}

/** Exports `sha` of the git repository at `repoDir` into a new directory under `root`. */
export async function createWorkspace(repoDir: string, sha: string, root: string): Promise<Workspace> {
  const ws: Workspace = { root, src: join(root, 'src'), home: join(root, 'home'), sources: join(root, 'sources') };
  await rm(root, { recursive: true, force: true });
  await Promise.all([mkdir(ws.src, { recursive: true }), mkdir(ws.home, { recursive: true }), mkdir(ws.sources, { recursive: true })]);
  // git archive exports exactly the committed tree; pipefail so a bad sha is an error, not an empty dir
  await exec('bash', ['-o', 'pipefail', '-c', 'git -C "$1" archive --format=tar "$2" | tar -x -C "$3"', 'checkout', repoDir, sha, ws.src], {
    maxBuffer: 1024 * 1024,
  });
  return ws;
}

/** Removes a workspace; never throws (a leftover directory is not worth failing a step for). */
export async function removeWorkspace(ws: Workspace): Promise<void> {
  await rm(ws.root, { recursive: true, force: true }).catch(() => undefined);
}
