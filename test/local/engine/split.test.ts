/**
 * A pipeline over Step Functions' quotas compiles into a root and parts (statemachines/compiler/split.ts)
 * and runs locally as one run, through the core's dispatch (which registers the parts like callees)
 * on a real local store (dynalite) and real processes: each part runs inside the run that starts it.
 * The pipeline is over 1 MB through long commands rather than many steps, to keep the suite fast;
 * the issue's sizes (a 16×16 matrix, a 300-step layered DAG) are run by `npm run bench -- engine`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalStore } from '../../../local/store/dynalite-server.ts';
import { localRuntime } from '../../../local/runtime.ts';
import { runnerPaths, type LocalSession } from '../../../local/session.ts';
import { LoggedStatuses } from '../../../local/status-log.ts';
import { startPipelines } from '../../../src/core/dispatch.ts';
import type { RunFacts } from '../../../src/core/run-facts.ts';
import { GitSource } from '../../../src/source/git-source.ts';
import { compileSource } from '../../../statemachines/compiler/compile.ts';
import { validateRepo } from '../../../statemachines/pipeline/repo.ts';

/** 80 KB of comment per command (the file stays under its 256 KB limit): 14 steps make a definition over 1 MB. */
const long = `true # ${'x'.repeat(80_000)}`;
const text = `on: { push: {} }
steps:
  first: { run: "${long}" }
  cells: { needs: [first], matrix: { n: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] }, run: "${long}" }
  last: { needs: [cells], run: "test \\"$SCI_RUN_STATUS\\" = succeeded && ${long}" }
`;

test('a pipeline over 1 MB runs as a root and parts, in one run, every step succeeding', {
  timeout: 300_000,
}, async (t) => {
  const compiled = compileSource('.sci/big.yml', text);
  assert.ok(compiled.ok, JSON.stringify(!compiled.ok && compiled.diagnostics));
  assert.ok(compiled.value.parts.length >= 2, `${compiled.value.parts.length} parts`);
  const root = mkdtempSync(join(tmpdir(), 'sci-split-'));
  const repo = join(root, 'repo');
  mkdirSync(join(repo, '.sci'), { recursive: true });
  writeFileSync(join(repo, '.sci/big.yml'), text);
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
      encoding: 'utf8',
    }).trim();
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'x');
  const home = join(root, 'home');
  const local = await openLocalStore(home);
  t.after(async () => {
    await local.close();
    rmSync(root, { recursive: true, force: true });
  });
  const { pipelines, diagnostics } = validateRepo([{ path: '.sci/big.yml', text }]);
  assert.deepEqual(diagnostics, []);
  const session: LocalSession = {
    home,
    store: local.store,
    dynamo: local.client,
    table: { dynamo: local.client, tableName: local.tableName },
    paths: runnerPaths(home),
    close: () => local.close(),
  };
  const runtime = localRuntime({
    session,
    repoDir: repo,
    repoUrl: 'file:///r',
    source: new GitSource(repo),
    statuses: new LoggedStatuses(() => undefined),
    runUrl: (id) => `sci show ${id}`,
  });
  const facts: RunFacts = {
    repo: 'o/r',
    repoUrl: 'file:///r',
    sha: git('rev-parse', 'HEAD'),
    ref: 'refs/heads/main',
    branch: 'main',
    tag: '',
    event: 'push',
    actor: 't',
    pr: { number: 0, base: '', fork: false },
  };
  const outcome = await startPipelines(runtime.dispatch, pipelines, [{ pipeline: pipelines[0]!, inputs: {} }], {
    seed: 'split',
    facts,
  });
  assert.ok(outcome.ok);
  await runtime.executions.settled();
  const runId = outcome.value.runs[0]!.runId;
  const run = await local.store.getRun(runId);
  assert.equal(run?.run.status, 'succeeded', run?.run.reason);
  assert.equal(run?.steps.length, 14);
  assert.deepEqual(
    run?.steps.filter((s) => s.status !== 'succeeded').map((s) => `${s.key} ${s.status}`),
    [],
  );
  // a part is no run of its own
  assert.equal((await local.store.listRuns({ pipeline: 'big' })).length, 1);
});
