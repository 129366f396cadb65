/** Test support: real worker processes on one store home. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundledScript } from '../../bundled-script.ts';

/** The worker, run from a bundle with its packages (test/bundled-script.ts): the tests start five. */
const WORKER = fileURLToPath(new URL('./fixtures/store-worker.ts', import.meta.url));

export interface Worker {
  child: ChildProcess;
  /** Resolves with the exit code and everything printed, once the process has exited. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

export function startWorker(args: string[]): Worker {
  const child = spawn(process.execPath, ['--no-warnings', bundledScript(WORKER, { withPackages: true }), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<Awaited<Worker['done']>>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Waits for a file a worker creates; fails (rather than hangs) after a generous bound. */
export async function waitForFile(path: string, boundMs = 60_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${boundMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function report(stdout: string): {
  name: string;
  pid: number;
  servedAtStart: boolean;
  servedAtEnd: boolean;
  written: number;
} {
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}
