/**
 * The engine through its API on a real local store (dynalite) and real processes: a callee runs
 * as a child run bound to its parent, and a cancelled execution leaves no step open.
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
import { compileProgram } from '../../../statemachines/compiler/program.ts';
import { runnerPaths } from '../../../local/session.ts';
import { validateRepo } from '../../../statemachines/pipeline/repo.ts';

const files = {
  '.sci/ci.yml': 'steps:\n  build: { run: echo build }\n  call: { needs: [build], pipeline: { name: child } }\n',
  '.sci/child.yml': 'steps:\n  inner: { run: echo inner }\n',
  '.sci/slow.yml': "steps:\n  wait: { run: 'sleep 393' }\n  never: { needs: [wait], run: echo never }\n",
};

async function setup(t: { after(fn: () => unknown): void }) {
  const root = mkdtempSync(join(tmpdir(), 'sci-engine-'));
  const repo = join(root, 'repo');
  mkdirSync(join(repo, '.sci'), { recursive: true });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(repo, path), text);
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'x');
  const local = await openLocalStore(join(root, 'home'));
  t.after(async () => {
    await local.close();
    rmSync(root, { recursive: true, force: true });
  });
  const { pipelines, diagnostics } = validateRepo(Object.entries(files).map(([path, text]) => ({ path, text })));
  assert.deepEqual(diagnostics, []);
  const compiled = compileProgram(pipelines, pipelines, { tableName: local.tableName });
  assert.ok(compiled.ok);
  const program = compiled.value;
  const engine = new LocalEngine({ store: local.store, dynamo: local.client, tableName: local.tableName, paths: runnerPaths(join(root, 'home')), repoDir: repo, pipelines: program });
  const facts: RunFacts = {
    repo: 'o/r', repoUrl: 'file:///r', sha: git('rev-parse', 'HEAD'), ref: 'refs/heads/main', branch: 'main', tag: '',
    event: 'push', actor: 't', pr: { number: 0, base: '', fork: false }, inputs: {},
  };
  return { engine, program, facts, store: local.store };
}

test('a pipeline step runs its callee as a child run that names its parent', async (t) => {
  const { engine, program, facts, store } = await setup(t);
  const outcome = await engine.run({ pipeline: program.get('ci')!, facts });
  assert.equal(outcome.status, 'succeeded', outcome.error);
  const child = (await store.listRuns({ pipeline: 'child' }))[0];
  assert.ok(child);
  assert.equal(child.parentRunId, outcome.runId);
  assert.equal(child.event, 'pipeline');
  assert.equal(child.status, 'succeeded');
  const parent = await store.getRun(outcome.runId);
  assert.deepEqual(parent?.steps.map((s) => [s.key, s.status, s.attempts]), [['build', 'succeeded', 1], ['call', 'succeeded', 1]]);
});

test('aborting an execution cancels it: the running build is killed, no step is left open', async (t) => {
  const { engine, program, facts, store } = await setup(t);
  const abort = new AbortController();
  let runId = '';
  const running = engine.run({ pipeline: program.get('slow')!, facts, signal: abort.signal, onCreated: (id) => (runId = id) });
  for (let i = 0; i < 100 && (await store.getRun(runId))?.steps[0]?.status !== 'running'; i += 1) await new Promise((r) => setTimeout(r, 100));
  abort.abort();
  const outcome = await running;
  assert.equal(outcome.status, 'cancelled');
  const after = await store.getRun(runId);
  assert.equal(after?.run.status, 'cancelled');
  assert.deepEqual(after?.steps.map((s) => s.status), ['cancelled', 'cancelled']);
  assert.equal(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes('sleep 393'), false);
});
