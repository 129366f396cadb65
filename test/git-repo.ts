/**
 * Temporary git repositories for the tests and benchmarks: `git` as a fixed test author, and a commit of the whole
 * work tree whose sha is read from the branch's ref file, not asked of one more git process.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Runs git in `repo` as the test author; its output, trimmed. */
export function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-C', repo, '-c', 'user.name=sci test', '-c', 'user.email=test@sci.local', ...args], {
    encoding: 'utf8',
  }).trim();
}

/** Writes `files` (paths relative to `dir`; `*.sh` executable), making their folders. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text, { mode: path.endsWith('.sh') ? 0o755 : 0o644 });
  }
}

/** Commits everything in the work tree of `repo` (an empty commit when nothing changed); the new commit's sha. */
export function commitAll(repo: string, message: string): string {
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '--allow-empty', '-m', message);
  const head = readFileSync(join(repo, '.git', 'HEAD'), 'utf8').trim();
  // a fresh branch's ref is a loose file until git packs refs, which neither command above does
  return head.startsWith('ref: ') ? readFileSync(join(repo, '.git', head.slice(5)), 'utf8').trim() : head;
}

/**
 * A new repository at `repo` (made if missing) on `branch`, holding `files` and whatever the directory already has
 * in one commit; with `origin`, that remote's URL. The commit's sha.
 */
export function initRepo(
  repo: string,
  files: Record<string, string> = {},
  { branch = 'main', origin, message = 'initial' }: { branch?: string; origin?: string; message?: string } = {},
): string {
  mkdirSync(repo, { recursive: true });
  writeFiles(repo, files);
  git(repo, 'init', '-q', '-b', branch);
  if (origin) git(repo, 'remote', 'add', 'origin', origin);
  return commitAll(repo, message);
}
