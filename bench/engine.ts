/**
 * Local engine overhead. For chains and fans of 10/50/190 trivial steps (`true`), the wall time
 * of `sci run` next to `make -j2` running the same DAG of the same commands. Overhead per step,
 * two ways: from the wall time, (sci − sci's fixed start-up (a 1-step run) − make) / N, which
 * also pays for validating and compiling the pipeline; and from the execution alone (the run's
 * start → end as the store records it), (execution − make) / N. Then the makespan of an
 * N-shaped DAG of sleeps against its critical path.
 * Run: `node --import tsx bench/engine.ts` (or `npm run bench -- engine`). Prints markdown.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, makeRun, median, repoWith, sciRun, type Dag } from './local-runs.ts';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
// 190: a single-root fan of 200 trivial steps compiles to 1.07 MB (each branch also carries its
// skip write), over Step Functions' 1 MB definition limit; a 200-step chain (1.01 MB) fits.
const SIZES = (process.env.BENCH_SIZES ?? '10,50,190').split(',').map(Number);

const chain = (n: number): Dag =>
  Array.from({ length: n }, (_, i) => ({ name: `s${i}`, needs: i ? [`s${i - 1}`] : [], command: 'true' }));
const fan = (n: number): Dag =>
  Array.from({ length: n }, (_, i) => ({ name: `s${i}`, needs: i ? ['s0'] : [], command: 'true' }));

function overheadTable(): string[] {
  const dags: Record<string, Dag> = { one: chain(1) };
  for (const n of SIZES) Object.assign(dags, { [`chain${n}`]: chain(n), [`fan${n}`]: fan(n) });
  const repo = repoWith(dags);
  const home = join(repo, '..', 'home');
  try {
    const fixed = median(Array.from({ length: REPEAT }, () => sciRun(repo, home, 'one').wallMs));
    const rows = [
      `| shape | steps | sci run (wall) | execution (run start → end) | make -j2 (wall) | overhead / step, wall | overhead / step, execution |`,
      `| --- | ---: | ---: | ---: | ---: | ---: | ---: |`,
    ];
    for (const n of SIZES) {
      for (const shape of ['chain', 'fan']) {
        const name = `${shape}${n}`;
        const runs = Array.from({ length: REPEAT }, () => sciRun(repo, home, name));
        const wall = median(runs.map((r) => r.wallMs));
        const execution = median(runs.map((r) => r.executionMs));
        const make = median(Array.from({ length: REPEAT }, () => makeRun(repo, name)));
        rows.push(
          `| ${shape} | ${n} | ${fmt(wall)} | ${fmt(execution)} | ${fmt(make)} | ${fmt((wall - fixed - make) / n)} | ${fmt((execution - make) / n)} |`,
        );
      }
    }
    return [`Fixed start-up of \`sci run\` (1-step pipeline, wall): ${fmt(fixed)}.`, '', ...rows];
  } finally {
    rmSync(join(repo, '..'), { recursive: true, force: true });
  }
}

/** A needs-graph that no nesting of sequences and parallels expresses: C needs A; D needs A and B. */
function nShapeRows(): string[] {
  const seconds = { a: 2, b: 4, c: 4, d: 2 };
  const dag: Dag = [
    { name: 'a', needs: [], command: `sleep ${seconds.a}` },
    { name: 'b', needs: [], command: `sleep ${seconds.b}` },
    { name: 'c', needs: ['a'], command: `sleep ${seconds.c}` },
    { name: 'd', needs: ['a', 'b'], command: `sleep ${seconds.d}` },
  ];
  const critical = Math.max(seconds.a + seconds.c, seconds.b + seconds.d) * 1000;
  const repo = repoWith({ nshape: dag });
  try {
    const runs = Array.from({ length: REPEAT }, () => sciRun(repo, join(repo, '..', 'home'), 'nshape').executionMs);
    const makespan = median(runs);
    return [
      `| DAG | critical path | makespan (run start → end, median) | over the critical path |`,
      `| --- | ---: | ---: | ---: |`,
      `| N shape (a 2 s, b 4 s, c←a 4 s, d←a,b 2 s) | ${fmt(critical)} | ${fmt(makespan)} | ${(((makespan - critical) / critical) * 100).toFixed(1)} % |`,
    ];
  } finally {
    rmSync(join(repo, '..'), { recursive: true, force: true });
  }
}

console.log(`Medians of ${REPEAT} runs; node ${process.version}, ${process.platform}.\n`);
console.log(overheadTable().join('\n'));
console.log('');
console.log(nShapeRows().join('\n'));
