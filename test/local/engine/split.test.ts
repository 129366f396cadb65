/**
 * Pipelines over Step Functions' quotas compile into a root and parts (statemachines/compiler/split.ts)
 * and run locally as one run: the engine runs each part inside the run that started it, on a real
 * local store (dynalite) and real processes. The pipelines are small and forced to split
 * (`partSteps`) to keep the suite fast; the issue's sizes (a 16×16 matrix, a 300-step layered DAG)
 * split on their own and run in `npm run bench -- engine` (docs/benchmarks.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalStore } from '../../../local/store/dynalite-server.ts';
import { LocalEngine } from '../../../local/engine/engine.ts';
import type { RunFacts } from '../../../local/engine/execution.ts';
import { compilePipeline } from '../../../statemachines/compiler/compile.ts';
import { planSteps } from '../../../statemachines/pipeline/plan.ts';
import { LIMITS } from '../../../statemachines/compiler/limits.ts';
import { runnerPaths } from '../../../local/session.ts';
import { validateRepo } from '../../../statemachines/pipeline/repo.ts';
import { dagYaml, prng, type RandomStep } from '../../statemachines/compiler/random-dags.ts';
import { assertValidAsl } from '../../statemachines/compiler/asl-valid.ts';

const axis = Array.from({ length: 4 }, (_, i) => i).join(', ');
const matrix = `on: { push: {} }
steps:
  build: { run: 'true' }
  test: { needs: [build], matrix: { a: [${axis}], b: [${axis}] }, run: 'true' }
  report: { needs: [test], run: 'test "$SCI_RUN_STATUS" = succeeded' }
`;

/** Layers of 10 steps, each needing two steps of the layer before (the compile bench's shape). */
function layered(n: number): string {
  const rand = prng(n);
  const steps: RandomStep[] = [];
  for (let i = 0; i < n; i++) {
    const base = Math.floor(i / 10) * 10 - 10;
    const pick = () => `s${base + Math.floor(rand() * 10)}`;
    steps.push({ name: `s${i}`, needs: base < 0 ? [] : [...new Set([pick(), pick()])], cond: 'default', allowFailure: false, fails: false, durationMs: 0 });
  }
  return dagYaml(steps).replace(/run: .*$/gm, "run: 'true'").replace(/image: "node:22", /, "");
}

async function runAll(t: { after(fn: () => unknown): void }, id: string, text: string, partSteps: number) {
  const root = mkdtempSync(join(tmpdir(), 'sci-split-'));
  const repo = join(root, 'repo');
  mkdirSync(join(repo, '.sci'), { recursive: true });
  writeFileSync(join(repo, `.sci/${id}.yml`), text);
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'x');
  const local = await openLocalStore(join(root, 'home'));
  t.after(async () => {
    await local.close();
    rmSync(root, { recursive: true, force: true });
  });
  const { pipelines, diagnostics } = validateRepo([{ path: `.sci/${id}.yml`, text }]);
  assert.deepEqual(diagnostics, []);
  const planned = planSteps(pipelines[0]!);
  assert.ok(planned.ok);
  const compiled = compilePipeline(pipelines[0]!, planned.value, { tableName: local.tableName }, { partSteps });
  assert.ok(compiled.ok, JSON.stringify(!compiled.ok && compiled.diagnostics));
  const pipeline = compiled.value;
  assert.ok(pipeline.parts.length >= 2, `${pipeline.parts.length} parts`);
  for (const machine of [pipeline, ...pipeline.parts]) {
    assert.ok(machine.estimates.definitionBytes <= LIMITS.definitionBytes);
    assert.ok(machine.estimates.maxHistoryEvents <= LIMITS.historyEvents);
    assertValidAsl(machine.json);
  }
  const engine = new LocalEngine({
    store: local.store, dynamo: local.client, tableName: local.tableName, paths: runnerPaths(join(root, 'home')), repoDir: repo,
    pipelines: new Map([[id, pipeline]]), containers: 'none',
  });
  const facts: RunFacts = {
    repo: 'o/r', repoUrl: 'file:///r', sha: git('rev-parse', 'HEAD'), ref: 'refs/heads/main', branch: 'main', tag: '',
    event: 'push', actor: 't', pr: { number: 0, base: '', fork: false }, inputs: {},
  };
  const outcome = await engine.run({ pipeline, facts });
  assert.equal(outcome.status, 'succeeded', outcome.error);
  const run = await local.store.getRun(outcome.runId);
  assert.equal(run?.run.status, 'succeeded');
  assert.equal(run?.steps.length, pipeline.steps.length);
  assert.deepEqual(run?.steps.filter((s) => s.status !== 'succeeded').map((s) => `${s.key} ${s.status}`), []);
  // a part is not a run of its own
  assert.equal((await local.store.listRuns({ pipeline: id })).length, 1);
}

test('a matrix and its join, split into parts, run as one run, every cell succeeding', { timeout: 300_000 }, async (t) => {
  await runAll(t, 'matrix', matrix, 5);
});

test('a layered DAG split into parts that run side by side and release each other\'s gates, every step succeeding', { timeout: 300_000 }, async (t) => {
  await runAll(t, 'layered', layered(40), 12);
});
