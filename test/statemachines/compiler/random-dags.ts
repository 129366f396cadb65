/**
 * Seeded random pipelines for the behaviour test and the benchmark: a DAG of `run` steps
 * with random needs, `if`, `allow_failure`, build durations and failures, plus the
 * oracle of what the pipeline format says must happen.
 */

/** mulberry32: small, fast, good enough to pick test cases reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomStep {
  name: string;
  needs: string[];
  cond: 'default' | 'always()' | 'failure()';
  allowFailure: boolean;
  fails: boolean;
  durationMs: number;
}

export function randomDag(rand: () => number, size: number, opts: { maxDuration?: number } = {}): RandomStep[] {
  const steps: RandomStep[] = [];
  const maxDuration = opts.maxDuration ?? 40;
  for (let i = 0; i < size; i++) {
    const needs = steps.filter(() => rand() < Math.min(0.6, 2 / Math.max(1, steps.length))).map((s) => s.name);
    const r = rand();
    steps.push({
      name: `s${i}`,
      needs,
      cond: needs.length === 0 || r < 0.7 ? 'default' : r < 0.85 ? 'always()' : 'failure()',
      allowFailure: rand() < 0.15,
      fails: rand() < 0.25,
      durationMs: 5 + Math.floor(rand() * (maxDuration - 5)),
    });
  }
  return steps;
}

/** The pipeline file for `steps`. */
/**
 * Layers of 10 steps, each needing two (random, seeded by n) steps of the layer before: a realistic
 * wide pipeline, the shape of the compile and local benchmarks and of the split tests.
 */
export function layeredDag(n: number): RandomStep[] {
  const rand = prng(n);
  const steps: RandomStep[] = [];
  for (let i = 0; i < n; i++) {
    const base = Math.floor(i / 10) * 10 - 10;
    const pick = () => `s${base + Math.floor(rand() * 10)}`;
    steps.push({
      name: `s${i}`,
      needs: base < 0 ? [] : [...new Set([pick(), pick()])],
      cond: 'default',
      allowFailure: false,
      fails: false,
      durationMs: 0,
    });
  }
  return steps;
}

export function dagYaml(steps: RandomStep[]): string {
  const lines = ['name: random', 'defaults: { image: "node:22", timeout: 5m }', 'steps:'];
  for (const s of steps) {
    lines.push(`  ${s.name}:`);
    if (s.needs.length > 0) lines.push(`    needs: [${s.needs.join(', ')}]`);
    if (s.cond !== 'default') lines.push(`    if: ${s.cond}`);
    if (s.allowFailure) lines.push('    allow_failure: true');
    lines.push(`    run: echo ${s.name}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface Expected {
  status: Map<string, 'succeeded' | 'failed' | 'skipped'>;
  runStatus: Map<string, 'succeeded' | 'failed'>;
  execution: 'SUCCEEDED' | 'FAILED';
}

/** What the pipeline format promises for these steps and outcomes. */
export function expected(steps: RandomStep[]): Expected {
  const status = new Map<string, 'succeeded' | 'failed' | 'skipped'>();
  const chain = new Map<string, boolean>();
  const runStatus = new Map<string, 'succeeded' | 'failed'>();
  const byName = new Map(steps.map((s) => [s.name, s]));
  for (const s of steps) {
    const ok = s.needs.every(
      (n) => status.get(n) === 'succeeded' || (status.get(n) === 'failed' && byName.get(n)!.allowFailure),
    );
    const failed = s.needs.some((n) => status.get(n) === 'failed' && !byName.get(n)!.allowFailure);
    const runs = s.cond === 'always()' ? true : s.cond === 'failure()' ? failed : ok;
    const st = runs ? (s.fails ? 'failed' : 'succeeded') : 'skipped';
    status.set(s.name, st);
    const upstream = s.needs.some((n) => chain.get(n));
    runStatus.set(s.name, upstream ? 'failed' : 'succeeded');
    chain.set(s.name, upstream || st === 'failed');
  }
  const execution = steps.some((s) => status.get(s.name) === 'failed' && !s.allowFailure) ? 'FAILED' : 'SUCCEEDED';
  return { status, runStatus, execution };
}

/** Longest chain of durations: the best possible makespan. */
export function criticalPath(steps: RandomStep[]): number {
  const finish = new Map<string, number>();
  for (const s of steps) finish.set(s.name, Math.max(0, ...s.needs.map((n) => finish.get(n)!)) + s.durationMs);
  return Math.max(...finish.values());
}

/** A chain of `n` steps: each needs the one before (the compile benchmark's and the split tests' other shape). */
export function chainDag(n: number): RandomStep[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `s${i}`,
    needs: i === 0 ? [] : [`s${i - 1}`],
    cond: 'default' as const,
    allowFailure: false,
    fails: false,
    durationMs: 0,
  }));
}

/**
 * The pipeline file of `steps` in flow style: the same pipeline as `dagYaml`, small enough that
 * 5,000 steps stay under the 256 KB limit on pipeline files.
 */
export function compactYaml(steps: RandomStep[]): string {
  const lines = ['name: random', 'defaults: { image: "node:22", timeout: 5m }', 'steps:'];
  for (const s of steps) {
    const fields = [
      ...(s.needs.length > 0 ? [`needs: [${s.needs.join(', ')}]`] : []),
      ...(s.cond !== 'default' ? [`if: ${s.cond}`] : []),
      ...(s.allowFailure ? ['allow_failure: true'] : []),
      `run: echo ${s.name}`,
    ];
    lines.push(`  ${s.name}: { ${fields.join(', ')} }`);
  }
  return `${lines.join('\n')}\n`;
}
