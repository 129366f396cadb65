/**
 * Test support: a git repository holding `files`, a local store (real dynalite) in a temp home, and the
 * local runtime over them, as `sci run` composes it; `start` dispatches a pipeline through the core.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localRuntime } from '../../../local/runtime.ts';
import { type LocalSession, runnerPaths } from '../../../local/session.ts';
import { LoggedStatuses } from '../../../local/status-log.ts';
import { openLocalStore } from '../../../local/store/dynalite-server.ts';
import { startPipelines } from '../../../src/core/dispatch.ts';
import type { RunFacts } from '../../../src/core/run-facts.ts';
import { GitSource } from '../../../src/source/git-source.ts';
import { validateRepo } from '../../../statemachines/pipeline/repo.ts';
import { initRepo } from '../../git-repo.ts';

export async function localRepoRuntime(t: { after(fn: () => unknown): void }, files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'sci-engine-'));
  const repo = join(root, 'repo');
  const sha = initRepo(repo, files);
  const home = join(root, 'home');
  const local = await openLocalStore(home);
  t.after(async () => {
    await local.close();
    rmSync(root, { recursive: true, force: true });
  });
  const { pipelines, diagnostics } = validateRepo(Object.entries(files).map(([path, text]) => ({ path, text })));
  assert.deepEqual(diagnostics, []);
  const session: LocalSession = {
    home,
    store: local.store,
    dynamo: local.client,
    table: { dynamo: local.client, tableName: local.tableName },
    paths: runnerPaths(home),
    writes: local.writes,
    close: () => local.close(),
  };
  const statuses: string[] = [];
  const runtime = localRuntime({
    session,
    repoDir: repo,
    repoUrl: 'file:///r',
    source: new GitSource(repo),
    statuses: new LoggedStatuses((line) => statuses.push(line)),
    runUrl: (id) => `sci show ${id}`,
  });
  const facts: RunFacts = {
    repo: 'o/r',
    repoUrl: 'file:///r',
    sha,
    ref: 'refs/heads/main',
    branch: 'main',
    tag: '',
    event: 'push',
    actor: 't',
    pr: { number: 0, base: '', fork: false },
  };
  /** Dispatches pipeline `id` as a push and answers its run id. */
  const start = async (id: string, seed: string) => {
    const pipeline = pipelines.find((p) => p.id === id);
    assert.ok(pipeline, `no pipeline ${id}`);
    const outcome = await startPipelines(runtime.dispatch, pipelines, [{ pipeline, inputs: {} }], { seed, facts });
    assert.ok(outcome.ok);
    return outcome.value.runs[0]!.runId;
  };
  return { runtime, start, statuses, store: local.store };
}
