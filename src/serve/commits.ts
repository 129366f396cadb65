/**
 * Which delivered commits the served clone has, answered by ONE long-lived
 * `git cat-file --batch-check` per clone: a process per delivery costs more CPU than the rest
 * of the webhook path together (docs/benchmarks.md, "Webhook path"). Git re-scans its packs on
 * a miss, so a commit fetched after the process started is found (the user is told to fetch
 * and redeliver).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { FULL_OBJECT_ID } from '../source/git-source.ts';

/** The commit a delivery is about (push `after`, pull request head), if any. */
export function commitOf(payload: Record<string, unknown>, event: string): string | undefined {
  const sha =
    event === 'push' ? payload.after : (payload.pull_request as { head?: { sha?: unknown } } | undefined)?.head?.sha;
  return typeof sha === 'string' && !/^0+$/.test(sha) ? sha : undefined;
}

export interface CommitChecker {
  has(sha: string): Promise<boolean>;
  /** Ends the git process (it also ends by itself when this process exits: its stdin closes). */
  close(): void;
}

interface Running {
  child: ChildProcessByStdio<Writable, Readable, null>;
  /** Resolvers of the asks sent to this process, oldest first. */
  waiting: Array<(present: boolean) => void>;
}

/**
 * An idle git process must not keep `sci serve` (or a test) alive, the HTTP server does that;
 * one with asks pending must, or the process could end with answers still owed.
 */
function hold({ child }: Running, busy: boolean): void {
  for (const handle of [child, child.stdin, child.stdout] as Array<{ ref?: () => void; unref?: () => void }>) {
    if (busy) handle.ref?.();
    else handle.unref?.();
  }
}

/** Answers in request order: git prints one line per input line, in order. */
export function commitChecker(repoDir: string): CommitChecker {
  let running: Running | undefined;

  const stop = (r: Running) => {
    if (running === r) running = undefined;
    // An unreadable clone answers "not present", as a failed lookup always did.
    for (const answer of r.waiting.splice(0)) answer(false);
  };
  const start = (): Running => {
    const child = spawn('git', ['-C', repoDir, 'cat-file', '--batch-check'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const r: Running = { child, waiting: [] };
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) r.waiting.shift()?.(/^[0-9a-f]+ commit \d+$/.test(line));
      if (r.waiting.length === 0) hold(r, false);
    });
    child.on('error', () => stop(r));
    child.on('close', () => stop(r));
    child.stdin.on('error', () => undefined);
    hold(r, false);
    return r;
  };

  return {
    has(sha) {
      // anything else is never sent to git (one line per ask)
      if (!FULL_OBJECT_ID.test(sha)) return Promise.resolve(false);
      running ??= start();
      const r = running;
      return new Promise((resolve) => {
        if (r.waiting.length === 0) hold(r, true);
        r.waiting.push(resolve);
        r.child.stdin.write(`${sha}^{commit}\n`);
      });
    },
    close() {
      if (!running) return;
      const r = running;
      stop(r);
      r.child.stdin.end();
    },
  };
}
