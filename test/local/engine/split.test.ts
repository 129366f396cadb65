/**
 * A pipeline over Step Functions' quotas compiles into a root and parts (statemachines/compiler/split.ts)
 * and runs locally as one run, through the core's dispatch (which registers the parts like callees)
 * on a real local store (dynalite) and real processes: each part runs inside the run that starts it.
 * The matrix cells read the first step's output from other machines (a part is handed only the records its
 * steps read). The pipeline is over 1 MB through long commands rather than many steps, to keep the suite fast;
 * the issue's sizes (a 16×16 matrix, a 300-step layered DAG) are run by `npm run bench -- engine`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../statemachines/compiler/harness.ts';
import { localRepoRuntime } from './local-runtime.ts';

/** 80 KB of comment per command (the file stays under its 256 KB limit): 14 steps make a definition over 1 MB. */
const long = `true # ${'x'.repeat(80_000)}`;
const text = `on: { push: {} }
steps:
  first: { outputs: [v], run: "echo v=from-first >> \\"$SCI_OUTPUT\\" && ${long}" }
  cells: { needs: [first], matrix: { n: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] }, run: "test \\"\${{ steps.first.outputs.v }}\\" = from-first && ${long}" }
  last: { needs: [cells], run: "test \\"$SCI_RUN_STATUS\\" = succeeded && ${long}" }
`;

test('a pipeline over 1 MB runs as a root and parts, in one run, every step succeeding', {
  timeout: 300_000,
}, async (t) => {
  const compiled = compile(text, { file: '.sci/big.yml' });
  assert.ok(compiled.parts.length >= 2, `${compiled.parts.length} parts`);
  // the cells read first's output in other machines: each part is handed first's record, and only the records it reads
  for (const part of compiled.parts) assert.deepEqual(part.imports, ['first'], part.id);
  const { runtime, start, store } = await localRepoRuntime(t, { '.sci/big.yml': text });
  const runId = await start('big', 'split');
  await runtime.executions.settled();
  const run = await store.getRun(runId);
  assert.equal(run?.run.status, 'succeeded', run?.run.reason);
  assert.equal(run?.steps.length, 14);
  assert.deepEqual(
    run?.steps.filter((s) => s.status !== 'succeeded').map((s) => `${s.key} ${s.status}`),
    [],
  );
  // a part is no run of its own
  assert.equal((await store.listRuns({ pipeline: 'big' })).length, 1);
});
