/**
 * Runs a command as the leader of its own process group so that a timeout or a cancel can
 * end the whole tree (the shell, its children, their `sleep`s), as a container stop would.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/** How long a tree gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 1000;

export interface GroupProcess {
  /** The leader's pid, which is also the group's id. */
  pid: number;
  stdout: Readable;
  stderr: Readable;
  /** Resolves with the exit code (128 + signal number when killed by a signal). */
  exited: Promise<number>;
  /** SIGTERM to the group, SIGKILL after the grace period; resolves when the leader is gone. */
  kill(): Promise<void>;
  /** SIGKILL to whatever is left in the group (background jobs after the shell exited). */
  reap(): void;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone
  }
}

/**
 * SIGTERM to group `pgid`, SIGKILL once the grace period passes before `leaderGone` settles, and
 * SIGKILL again after it for children that ignored SIGTERM and outlive the leader.
 */
export async function terminateGroup(pgid: number, leaderGone: Promise<unknown>): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(pgid, 'SIGKILL'), KILL_GRACE_MS);
  await leaderGone;
  clearTimeout(timer);
  signalGroup(pgid, 'SIGKILL');
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Spawns `file args` detached (new process group) in `cwd` with exactly `env`. */
export function spawnGroup(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): GroupProcess {
  const child = spawn(file, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid as number;
  const exited = new Promise<number>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 0) : 0)));
  });
  return {
    pid,
    stdout: child.stdout,
    stderr: child.stderr,
    exited,
    reap: () => signalGroup(pid, 'SIGKILL'),
    kill: () => terminateGroup(pid, exited),
  };
}
