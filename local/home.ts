/**
 * The local state home: `SCI_HOME` if set, else `<repo>/.sci-state`. Everything `sci` keeps on
 * the laptop lives under it, so deleting the folder resets local history completely.
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

/** Repository roots found in this process, by absolute directory (a root does not move while a command runs). */
const roots = new Map<string, string>();

/**
 * The repository a command acts on, found from `dir` as git does (`git rev-parse
 * --show-toplevel`), so `sci run` in `src/` acts on the whole repository and keeps its state
 * in the repository's `.sci-state`; `dir` itself when it is not inside a git work tree. Asked
 * once per directory: the commands, the session and the git facts all need it.
 */
export function repositoryRoot(dir: string = process.cwd()): string {
  const absolute = resolve(dir);
  const known = roots.get(absolute);
  if (known !== undefined) return known;
  let top = absolute;
  try {
    top =
      execFileSync('git', ['-C', absolute, 'rev-parse', '--show-toplevel'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim() || absolute;
  } catch {
    // not inside a git work tree
  }
  roots.set(absolute, top);
  // the root of a work tree is its own root
  if (top !== absolute) roots.set(top, top);
  return top;
}

/** Records `top` as the root of `dir`, found by a git process that asked more (`readGitFacts`). */
export function rememberRoot(dir: string, top: string): void {
  roots.set(resolve(dir), top);
  roots.set(top, top);
}

/** A read-only command found no state home: nothing ever ran here (and none is created for it). */
export class NoStateHomeError extends Error {
  override name = 'NoStateHomeError';
  constructor(readonly home: string) {
    super(`no local runs: ${home} does not exist (nothing has run here yet; SCI_HOME names another home)`);
  }
}

/**
 * The home directory (absolute). A relative `SCI_HOME` is taken from the current directory. `repoDir` may be
 * a function, called only when there is no `SCI_HOME` (finding the repository's root starts a git process).
 */
export function resolveHome(
  repoDir: string | (() => string) = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): string {
  const configured = env.SCI_HOME?.trim();
  if (configured) return resolve(configured);
  return resolve(typeof repoDir === 'function' ? repoDir() : repoDir, '.sci-state');
}

/** Where each kind of local state lives under a home. */
export interface HomePaths {
  home: string;
  /** The embedded DynamoDB: `db/` (LevelDB), `server.json` (who serves it), `lock`, `swept-at`. */
  store: string;
  storeDb: string;
  storeServer: string;
  storeLock: string;
  /** When the local store last deleted expired items (dynalite has no TTL of its own). */
  storeSwept: string;
  /** `logs/<runId>/<stepKey>.log` */
  logs: string;
  artifacts: string;
  cache: string;
  /** Per-step working copies (`work/<runId>/<stepKey>`). */
  work: string;
  /** Local secrets, one file per name. */
  secrets: string;
  /** The process groups steps run in (`procs/<runId>/<stepKey>.json`), for crash recovery. */
  procs: string;
}

export function homePaths(home: string): HomePaths {
  const store = join(home, 'store');
  return {
    home,
    store,
    storeDb: join(store, 'db'),
    storeServer: join(store, 'server.json'),
    storeLock: join(store, 'lock'),
    storeSwept: join(store, 'swept-at'),
    logs: join(home, 'logs'),
    artifacts: join(home, 'artifacts'),
    cache: join(home, 'cache'),
    work: join(home, 'work'),
    secrets: join(home, 'secrets'),
    procs: join(home, 'procs'),
  };
}

/** `logs/<runId>/<stepKey>.log`; both ids are checked so a crafted one cannot escape the home. */
export function stepLogFile(home: string, runId: string, stepKey: string): string {
  return join(homePaths(home).logs, safeSegment(runId), `${safeSegment(stepKey)}.log`);
}

/** `procs/<runId>`: the records of the process groups a run's steps started. */
export function runProcsDir(home: string, runId: string): string {
  return join(homePaths(home).procs, safeSegment(runId));
}

/** `procs/<runId>/<stepKey>.json`; ids checked as for logs. */
export function stepProcFile(home: string, runId: string, stepKey: string): string {
  return join(runProcsDir(home, runId), `${safeSegment(stepKey)}.json`);
}

function safeSegment(value: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(value) || value === '.' || value === '..')
    throw new Error(`not a safe path segment: ${JSON.stringify(value)}`);
  return value;
}
