/**
 * The local runtime through the core's dispatch on a real local store (dynalite) and real
 * processes: a callee runs as a child run bound to its parent, each run's end reaches the
 * reporter (its commit status), and a stopped execution is cancelled with no step left open.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { localRepoRuntime } from './local-runtime.ts';

const files = {
  '.sci/ci.yml': 'steps:\n  build: { run: echo build }\n  call: { needs: [build], pipeline: { name: child } }\n',
  '.sci/child.yml': 'steps:\n  inner: { run: echo inner }\n',
  '.sci/slow.yml': "steps:\n  wait: { run: 'sleep 393' }\n  never: { needs: [wait], run: echo never }\n",
};

const setup = (t: { after(fn: () => unknown): void }) => localRepoRuntime(t, files);

// Each test has its own repository, store and runtime, and waits mostly on its builds: they run at the same time.
describe('the local runtime', { concurrency: true }, () => {
  test('a pipeline step runs its callee as a child run that names its parent; the end reaches the reporter', async (t) => {
    const { runtime, start, statuses, store } = await setup(t);
    const runId = await start('ci', 'one');
    await runtime.executions.settled();
    const parent = await store.getRun(runId);
    assert.equal(parent?.run.status, 'succeeded', parent?.run.reason);
    assert.deepEqual(
      parent?.steps.map((s) => [s.key, s.status, s.attempts]),
      [
        ['build', 'succeeded', 1],
        ['call', 'succeeded', 1],
      ],
    );
    assert.ok((parent?.run.transitions ?? 0) > 0, 'the engine counted the billed transitions');
    const child = (await store.listRuns({ pipeline: 'child' }))[0];
    assert.ok(child);
    assert.deepEqual(
      [child.id, child.parentRunId, child.event, child.status],
      [`${runId}.call`, runId, 'pipeline', 'succeeded'],
    );
    // the caller's status speaks for its child: pending at the start, success at the end, none for the child
    assert.deepEqual(
      statuses.map((s) => s.split(' ').slice(0, 2).join(' ')),
      ['sci/ci pending', 'sci/ci success'],
    );
  });

  test('stopping an execution cancels it: the running build is killed, no step is left open', async (t) => {
    const { runtime, start, store } = await setup(t);
    const runId = await start('slow', 'two');
    for (let i = 0; i < 100 && (await store.getRun(runId))?.steps[0]?.status !== 'running'; i += 1)
      await new Promise((r) => setTimeout(r, 100));
    await runtime.executions.stop(`local:${runId}`, 'stopped by the test');
    await runtime.executions.settled();
    const after = await store.getRun(runId);
    assert.deepEqual([after?.run.status, after?.run.reason], ['cancelled', 'stopped by the test']);
    assert.deepEqual(
      after?.steps.map((s) => s.status),
      ['cancelled', 'cancelled'],
    );
    assert.equal(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes('sleep 393'), false);
  });
});
