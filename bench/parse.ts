/**
 * How fast pipeline files are read: one file of the format page's size, and a repository of
 * 50 such files through validateRepo (what the dispatcher does for each new commit).
 * `node --import tsx bench/parse.ts` prints a markdown table of medians.
 */
import { readFileSync } from 'node:fs';
import { parsePipeline } from '../statemachines/pipeline/parse.ts';
import { validateRepo } from '../statemachines/pipeline/repo.ts';
import { planSteps } from '../statemachines/pipeline/plan.ts';

const example = readFileSync(new URL('../test/statemachines/pipeline/fixtures/full.yml', import.meta.url), 'utf8');
const deployProd =
  'on:\n  manual:\n    inputs:\n      target: { type: choice, options: [staging, prod] }\nsteps:\n  go:\n    run: ./deploy.sh\n';
const repo = [
  { path: '.sci/deploy/prod.yml', text: deployProd },
  { path: '.sci/ci.yml', text: 'steps:\n  test:\n    run: npm test\n' },
  ...Array.from({ length: 48 }, (_, i) => ({ path: `.sci/team${i % 4}/p${i}.yml`, text: example })),
];

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function measure(runs: number, work: () => unknown): number {
  for (let i = 0; i < 20; i++) work();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    work();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
}

const parsed = parsePipeline('.sci/ci.yml', example);
if (!parsed.ok) throw new Error('the example must parse');
if (validateRepo(repo).diagnostics.length > 0) throw new Error('the benchmark repository must be valid');
const broken = example.replace('needs: [lint]', 'need: [lint]').replace('timeout: 10m', 'timeout: 10x');

const rows: Array<[string, number]> = [
  ['parsePipeline, format example (6 steps, matrix 2×2)', measure(300, () => parsePipeline('.sci/ci.yml', example))],
  ['parsePipeline, same file with 2 mistakes', measure(300, () => parsePipeline('.sci/ci.yml', broken))],
  ['planSteps, same pipeline (9 instances)', measure(1000, () => planSteps(parsed.value))],
  ['validateRepo, 50 files (48 like the example)', measure(30, () => validateRepo(repo))],
];
console.log('| measure | median |\n| --- | --- |');
for (const [name, ms] of rows) console.log(`| ${name} | ${ms.toFixed(3)} ms |`);
