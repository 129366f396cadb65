/**
 * What `sci run` learns from the local repository: the commit at HEAD, the current branch,
 * a repository name and URL, the actor, and (asked apart) the files the HEAD commit changed.
 */
import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { repositoryRoot } from './home.ts';

const exec = promisify(execFile);

async function git(repoDir: string, ...args: string[]): Promise<string | undefined> {
  try {
    return (await exec('git', ['-C', repoDir, ...args])).stdout.trim();
  } catch {
    return undefined;
  }
}

export interface GitFacts {
  sha: string;
  /** Empty on a detached HEAD. */
  branch: string;
  /** `owner/name` from the origin URL, else `local/<folder>`. */
  repo: string;
  repoUrl: string;
  actor: string;
}

/** `git@github.com:o/n.git` or `https://host/o/n(.git)` → `o/n`. */
export function repoNameOf(url: string): string | undefined {
  const m = /[:/]([^/:]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/**
 * The commit at HEAD and the branch checked out (empty on a detached HEAD), asked of one git process (each
 * process a `sci run` starts costs it a fork: docs/benchmarks.md); undefined without a commit at HEAD.
 */
async function headOf(repoDir: string): Promise<{ sha: string; branch: string } | undefined> {
  // `--`: a file named HEAD in the work tree must not make the revisions ambiguous
  const out = await git(repoDir, 'rev-parse', 'HEAD^{commit}', '--symbolic-full-name', 'HEAD', '--');
  const [sha, ref] = out?.split('\n') ?? [];
  if (!sha || !ref) return undefined;
  return { sha, branch: ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : '' };
}

/** Reads the facts; throws with a plain message when `repoDir` is not a git repository with a commit. */
export async function readGitFacts(repoDir: string): Promise<GitFacts> {
  const [head, origin, name] = await Promise.all([
    headOf(repoDir),
    git(repoDir, 'remote', 'get-url', 'origin'),
    git(repoDir, 'config', 'user.name'),
  ]);
  if (!head) throw new Error(`${repoDir} is not a git repository with at least one commit`);
  const top = repositoryRoot(repoDir);
  return {
    sha: head.sha,
    branch: head.branch,
    repo: (origin && repoNameOf(origin)) ?? `local/${basename(top)}`,
    repoUrl: origin ?? `file://${top}`,
    actor: name || userInfo().username,
  };
}

/**
 * The files the HEAD commit changed; undefined when HEAD has no parent (path filters then match). Asked only
 * when a pipeline filters on paths: a git process less for every other `sci run`.
 */
export async function changedFilesAtHead(repoDir: string): Promise<string[] | undefined> {
  const changed = await git(repoDir, 'diff', '--name-only', 'HEAD^', 'HEAD');
  return changed === undefined ? undefined : changed.split('\n').filter(Boolean);
}
