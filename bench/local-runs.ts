/**
 * What the local-engine benchmarks share: a temporary repository holding each pipeline and a
 * Makefile of the same DAG of the same commands, `sci run --json` timed from outside (wall) and
 * from the store (the run's start → end), and `make -j2` on the Makefile.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initRepo } from '../test/git-repo.ts';

const SCI = fileURLToPath(new URL('../bin/sci.js', import.meta.url));

export type Dag = Array<{ name: string; needs: string[]; command: string }>;

export function pipelineYaml(dag: Dag): string {
  const steps = dag.map(
    (s) =>
      `  ${s.name}:\n${s.needs.length ? `    needs: [${s.needs.join(', ')}]\n` : ''}    run: ${JSON.stringify(s.command)}\n`,
  );
  return `steps:\n${steps.join('')}`;
}

export function makefile(dag: Dag): string {
  const rules = dag.map((s) => `${s.name}: ${s.needs.join(' ')}\n\t@${s.command}\n`);
  return `.PHONY: all ${dag.map((s) => s.name).join(' ')}\nall: ${dag.map((s) => s.name).join(' ')}\n${rules.join('')}`;
}

/** A fresh git repository with `.sci/<name>.yml` (given, or the DAG's) and `<name>.mk` per DAG. */
export function repoWith(dags: Record<string, Dag>, yaml: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'sci-bench-'));
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, '.sci'), { recursive: true });
  for (const [name, dag] of Object.entries(dags)) {
    writeFileSync(join(repo, '.sci', `${name}.yml`), yaml[name] ?? pipelineYaml(dag));
    writeFileSync(join(repo, `${name}.mk`), makefile(dag));
  }
  initRepo(repo, {}, { message: 'bench' });
  return repo;
}

export interface SciRun {
  wallMs: number;
  /** From the run's startedAt to its endedAt, as recorded in the store. */
  executionMs: number;
  steps: Array<{ name: string; status: string; startedAt: string; endedAt: string }>;
}

export function sciRun(repo: string, home: string, pipeline: string, args: string[] = [], timeoutMs?: number): SciRun {
  const started = performance.now();
  const r = spawnSync(process.execPath, [SCI, 'run', pipeline, '--repo', repo, '--json', ...args], {
    env: { ...process.env, SCI_HOME: home },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    ...(timeoutMs ? { timeout: timeoutMs, killSignal: 'SIGINT' as const } : {}),
  });
  const wallMs = performance.now() - started;
  if (r.status !== 0) throw new Error(`sci run ${pipeline} exited ${r.status}: ${r.stderr}`);
  const run = JSON.parse(r.stdout.trim().split('\n')[0] as string) as SciRun & { startedAt: string; endedAt: string };
  return { wallMs, executionMs: Date.parse(run.endedAt) - Date.parse(run.startedAt), steps: run.steps };
}

export function makeRun(repo: string, name: string): number {
  const started = performance.now();
  const r = spawnSync('make', ['-j2', '-s', '-f', `${name}.mk`, 'all'], { cwd: repo });
  if (r.status !== 0) throw new Error(`make ${name} failed`);
  return performance.now() - started;
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
/** Milliseconds as `123 ms` or `12.3 s`. */
export const fmt = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
