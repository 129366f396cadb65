/** Test support: real worker processes on one store home. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const WORKER = fileURLToPath(new URL('./fixtures/store-worker.ts', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../../../node_modules', import.meta.url));

let bundled: string | undefined;
/**
 * The worker as one plain ESM file, built once per test file (packages stay in node_modules): a worker then
 * starts on ≈ 0.9 s of CPU instead of ≈ 1.5 s through tsx, and the tests start seven.
 */
function workerBundle(): string {
  if (bundled) return bundled;
  const dir = mkdtempSync(join(tmpdir(), 'sci-store-worker-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(NODE_MODULES, join(dir, 'node_modules'), 'dir');
  const file = join(dir, 'store-worker.mjs');
  buildSync({
    entryPoints: [WORKER],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outfile: file,
    logLevel: 'warning',
  });
  bundled = file;
  return file;
}

export interface Worker {
  child: ChildProcess;
  /** Resolves with the exit code and everything printed, once the process has exited. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

export function startWorker(args: string[]): Worker {
  const child = spawn(process.execPath, ['--no-warnings', workerBundle(), ...args], {
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
