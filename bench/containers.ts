/**
 * Per-step overhead of container mode against process mode. A chain of N steps that each run
 * `node --version`, in the image `localhost/sci-test-node:22` on a private Podman (the test
 * images of test/local/containers/test-podman.ts: busybox + Node 22, built first), then the same
 * pipeline with `--no-containers`. Per step: the step's own duration (running → ended, as the
 * store records it) and the run's execution time / N; overhead = container − process.
 * Run: `node --import tsx bench/containers.ts` (or `npm run bench -- containers`;
 * `BENCH_REPEAT`, `BENCH_STEPS` tune it). Prints markdown. Needs podman, runc, busybox-static.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initRepo } from '../test/git-repo.ts';
import { testPodman, type TestPodman } from '../test/local/containers/test-podman.ts';

const SCI = fileURLToPath(new URL('../bin/sci.js', import.meta.url));
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const STEPS = Number(process.env.BENCH_STEPS ?? 5);

const found = await testPodman();
if (typeof found === 'string') {
  console.error(`cannot measure containers: ${found}`);
  process.exit(1);
}
const podman: TestPodman = found;

const root = mkdtempSync(join(tmpdir(), 'sci-bench-containers-'));
const repo = join(root, 'repo');
mkdirSync(join(repo, '.sci'), { recursive: true });
const steps = Array.from(
  { length: STEPS },
  (_, i) => `  s${i}:\n${i ? `    needs: [s${i - 1}]\n` : ''}    run: node --version\n`,
);
writeFileSync(join(repo, '.sci', 'chain.yml'), `defaults: { image: "${podman.image(22)}" }\nsteps:\n${steps.join('')}`);
initRepo(repo, {}, { message: 'bench' });

interface Measured {
  wallMs: number;
  executionMs: number;
  stepMs: number[];
}

function sciRun(extra: string[]): Measured {
  const started = performance.now();
  const env = { ...process.env, ...podman.env, SCI_HOME: join(root, 'home'), SCI_CONTAINER: 'podman' };
  const r = spawnSync(process.execPath, [SCI, 'run', 'chain', '--repo', repo, '--json', ...extra], {
    env,
    encoding: 'utf8',
  });
  const wallMs = performance.now() - started;
  if (r.status !== 0) throw new Error(`sci run exited ${r.status}: ${r.stdout}${r.stderr}`);
  const run = JSON.parse(r.stdout.trim().split('\n')[0] as string) as {
    startedAt: string;
    endedAt: string;
    steps: Array<{ startedAt: string; endedAt: string }>;
  };
  return {
    wallMs,
    executionMs: Date.parse(run.endedAt) - Date.parse(run.startedAt),
    stepMs: run.steps.map((s) => Date.parse(s.endedAt) - Date.parse(s.startedAt)),
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (ms: number): string => `${Math.round(ms)} ms`;

try {
  const modes = { process: ['--no-containers'], container: [] as string[] };
  const results: Record<string, Measured[]> = { process: [], container: [] };
  sciRun([]); // warm-up: the image's first container, the store's first start
  for (let i = 0; i < REPEAT; i++)
    for (const [mode, extra] of Object.entries(modes)) results[mode]?.push(sciRun(extra));
  const summary = (mode: string) => {
    const runs = results[mode] as Measured[];
    return {
      step: median(runs.flatMap((r) => r.stepMs)),
      perStep: median(runs.map((r) => r.executionMs)) / STEPS,
      wall: median(runs.map((r) => r.wallMs)),
    };
  };
  const p = summary('process');
  const c = summary('container');
  const load = execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ').slice(0, 3).join(' ');
  console.log(
    `Chain of ${STEPS} steps (\`node --version\`), ${REPEAT} runs per mode, medians; load average at the end: ${load}.\n`,
  );
  console.log('| mode | step (running → ended) | execution / step | sci run (wall) |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(`| process (\`--no-containers\`) | ${fmt(p.step)} | ${fmt(p.perStep)} | ${fmt(p.wall)} |`);
  console.log(`| container (podman, runc, vfs) | ${fmt(c.step)} | ${fmt(c.perStep)} | ${fmt(c.wall)} |`);
  console.log(
    `| **overhead of a container per step** | **${fmt(c.step - p.step)}** (×${(c.step / p.step).toFixed(1)}) | **${fmt(c.perStep - p.perStep)}** | |`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
