/**
 * What `sci run` learns from the local repository: the commit at HEAD, the current branch,
 * a repository name and URL, the actor, and (asked apart) the files the HEAD commit changed.
 */
import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import { basename, resolve } from 'node:path';
import { promisify } from 'node:util';
import { rememberRoot, repositoryRoot } from './home.ts';

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
  /** The work tree's root (`repositoryRoot`), found by the same git process as the commit. */
  root: string;
}

/** `git@github.com:o/n.git` or `https://host/o/n(.git)` → `o/n`. */
export function repoNameOf(url: string): string | undefined {
  const m = /[:/]([^/:]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/** The commit at HEAD and the branch checked out (empty on a detached HEAD), from `rev-parse`'s lines. */
function headOf(sha: string | undefined, ref: string | undefined): { sha: string; branch: string } | undefined {
  if (!sha || !ref) return undefined;
  return { sha, branch: ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : '' };
}

// `--`: a file named HEAD in the work tree must not make the revisions ambiguous
const HEAD_ARGS = ['rev-parse', 'HEAD^{commit}', '--symbolic-full-name', 'HEAD', '--'];

/**
 * The work tree's root and HEAD's commit and branch, asked of one git process (each process a `sci run` starts
 * costs it a fork: docs/benchmarks.md). Where `--show-toplevel` fails (a bare repository, a `.git` folder) the
 * root is found as any command finds it and HEAD is asked alone, as before.
 */
async function rootAndHead(dir: string): Promise<{ top: string; head: { sha: string; branch: string } | undefined }> {
  const out = await git(dir, 'rev-parse', '--show-toplevel', ...HEAD_ARGS.slice(1));
  const [top, sha, ref] = out?.split('\n') ?? [];
  if (top && sha && ref) {
    rememberRoot(dir, top);
    return { top, head: headOf(sha, ref) };
  }
  const [sha2, ref2] = (await git(dir, ...HEAD_ARGS))?.split('\n') ?? [];
  return { top: repositoryRoot(dir), head: headOf(sha2, ref2) };
}

/** The configuration `remote get-url origin` and `config user.name` read, from one `git config` process. */
interface Config {
  origin?: string;
  name?: string;
  /** `url.<base>.insteadOf` prefixes, by base in the order git first reads each. */
  insteadOf: Map<string, string[]>;
}

const CONFIG_KEYS = String.raw`^(remote\.origin\.url|user\.name|url\..*\.insteadof)$`;

async function configOf(dir: string): Promise<Config> {
  const config: Config = { insteadOf: new Map() };
  // `-z`: each entry is `<key>\n<value>\0` (section and variable names in lower case, a URL base as written)
  for (const entry of (await git(dir, 'config', '-z', '--get-regexp', CONFIG_KEYS))?.split('\0') ?? []) {
    const newline = entry.indexOf('\n');
    if (newline < 0) continue;
    const [key, value] = [entry.slice(0, newline), entry.slice(newline + 1)];
    if (key === 'remote.origin.url')
      config.origin ??= value; // get-url prints the first
    else if (key === 'user.name')
      config.name = value; // the last one set wins
    else {
      const base = key.slice('url.'.length, -'.insteadof'.length);
      config.insteadOf.set(base, [...(config.insteadOf.get(base) ?? []), value]);
    }
  }
  return config;
}

/**
 * `url` rewritten as `git remote get-url` rewrites it: the longest `insteadOf` prefix that matches is replaced by
 * its base (git-config(1), `url.<base>.insteadOf`); on a tie, the base git read first.
 */
export function rewriteUrl(url: string, insteadOf: Map<string, string[]>): string {
  let best: { base: string; prefix: string } | undefined;
  for (const [base, prefixes] of insteadOf)
    for (const prefix of prefixes)
      if (url.startsWith(prefix) && prefix.length > (best?.prefix.length ?? 0)) best = { base, prefix };
  return best ? best.base + url.slice(best.prefix.length) : url;
}

/**
 * Reads the facts; throws with a plain message when `repoDir` is not a git repository with a commit. Two git
 * processes: the root and HEAD, and the configuration (the origin's URL and the user's name).
 */
export async function readGitFacts(repoDir: string): Promise<GitFacts> {
  const dir = resolve(repoDir);
  const [{ top, head }, config] = await Promise.all([rootAndHead(dir), configOf(dir)]);
  if (!head) throw new Error(`${top} is not a git repository with at least one commit`);
  const origin = config.origin === undefined ? undefined : rewriteUrl(config.origin, config.insteadOf);
  return {
    sha: head.sha,
    branch: head.branch,
    root: top,
    repo: (origin && repoNameOf(origin)) ?? `local/${basename(top)}`,
    repoUrl: origin ?? `file://${top}`,
    actor: config.name || userInfo().username,
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
