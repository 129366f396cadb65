/**
 * The big pipelines of issue 10, run locally end to end: a 16×16 matrix (256 cells between a first
 * and a last step) and the 1,000-step layered DAG of the compile benchmark, each step `true`, with
 * `sci run --no-containers --json` (default -j: the machine's cores), next to `make -j2` running a
 * generated Makefile of the same DAG of the same commands. Both pipelines are over Step Functions'
 * 1 MB and run split (a root and parts), as they would on AWS. Each `sci run` is bounded
 * (BENCH_TIMEOUT_S, default 900 s); BENCH_REPEAT (default 1) runs each that many times.
 * Run: `node --import tsx bench/local.ts` (or `npm run bench -- local`). Prints markdown.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { compileSource } from '../statemachines/compiler/compile.ts';
import { layeredDag } from '../test/statemachines/compiler/random-dags.ts';
import { fmt, makeRun, median, pipelineYaml, repoWith, sciRun, type Dag } from './local-runs.ts';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 1);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 900) * 1000;

const AXIS = Array.from({ length: 16 }, (_, i) => i);

function matrixYaml(): string {
  return `steps:
  first: { run: "true" }
  test: { needs: [first], matrix: { x: [${AXIS.join(', ')}], y: [${AXIS.join(', ')}] }, run: "true" }
  last: { needs: [test], run: "true" }
`;
}

/** The same graph for make: one target per cell. */
function matrixDag(): Dag {
  const cells = AXIS.flatMap((x) => AXIS.map((y) => `test_${x}_${y}`));
  return [
    { name: 'first', needs: [], command: 'true' },
    ...cells.map((name) => ({ name, needs: ['first'], command: 'true' })),
    { name: 'last', needs: cells, command: 'true' },
  ];
}

const layered: Dag = layeredDag(1000).map((s) => ({ name: s.name, needs: s.needs, command: 'true' }));

const pipelines: Array<{ name: string; label: string; dag: Dag; yaml: string }> = [
  { name: 'matrix', label: '16×16 matrix between two steps', dag: matrixDag(), yaml: matrixYaml() },
  {
    name: 'layered',
    label: 'layered DAG (layers of 10, each step needing 2 of the layer before)',
    dag: layered,
    yaml: pipelineYaml(layered),
  },
];

const repo = repoWith(
  Object.fromEntries(pipelines.map((p) => [p.name, p.dag])),
  Object.fromEntries(pipelines.map((p) => [p.name, p.yaml])),
);
const home = join(repo, '..', 'home');
try {
  const rows = [
    '| pipeline | steps | machines | sci run (wall) | execution (run start → end) | make -j2 (wall) | execution / make | every step succeeded |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const p of pipelines) {
    const compiled = compileSource(`.sci/${p.name}.yml`, p.yaml);
    const machines = compiled.ok ? `1 + ${compiled.value.parts.length}` : 'refused';
    const runs = Array.from({ length: REPEAT }, () => sciRun(repo, home, p.name, ['--no-containers'], TIMEOUT_MS));
    const succeeded = runs.every(
      (r) => r.steps.length === p.dag.length && r.steps.every((s) => s.status === 'succeeded'),
    );
    const make = median(Array.from({ length: 3 }, () => makeRun(repo, p.name)));
    const execution = median(runs.map((r) => r.executionMs));
    rows.push(
      `| ${p.label} | ${p.dag.length} | ${machines} | ${fmt(median(runs.map((r) => r.wallMs)))} | ${fmt(execution)} | ${fmt(make)} | ${(execution / make).toFixed(0)}× | ${succeeded ? 'yes' : 'NO'} |`,
    );
  }
  console.log(
    `Medians of ${REPEAT} sci run(s) and 3 make runs; node ${process.version}; ${new Date().toISOString()}.\n`,
  );
  console.log(rows.join('\n'));
} finally {
  rmSync(join(repo, '..'), { recursive: true, force: true });
}
