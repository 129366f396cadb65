import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { onBuildState, onExecutionStatus, type ReportDeps } from '../../src/core/report.ts';
import type { RunRecord, StepRecord } from '../../src/core/ports.ts';
import { closeSharedTables, fixedClock, freshStore } from '../store/local-table.ts';
import { noExecutions, recordingStatuses } from './fixtures.ts';
import { aRun } from '../store/records.ts';

const RUN: RunRecord = aRun({
  id: 'R1',
  repo: 'o/r',
  actor: 'me',
  status: 'running',
  createdAt: '2026-11-27T04:00:00.000Z',
  executionArn: 'arn:aws:states:eu-west-1:1:execution:m:R1',
});

after(closeSharedTables);

/** The run R1 on a fresh table of the real store (dynalite); `more` adds steps or replaces one by key. */
async function setup(more: StepRecord[] = []) {
  const clock = fixedClock('2026-11-27T04:10:00Z');
  const { store } = await freshStore(clock);
  const base: StepRecord[] = [
    { runId: 'R1', key: 'lint', name: 'lint', kind: 'run', order: 0, status: 'succeeded', attempts: 1 },
    {
      runId: 'R1',
      key: 'test_node_20',
      name: 'test (node=20)',
      kind: 'run',
      order: 1,
      status: 'failed',
      attempts: 1,
      reason: 'exit 1',
    },
    { runId: 'R1', key: 'deploy', name: 'deploy', kind: 'run', order: 2, status: 'pending', attempts: 0 },
  ];
  await store.createRun(RUN, [...base.filter((b) => !more.some((m) => m.key === b.key)), ...more]);
  const statuses = recordingStatuses();
  const followers: string[] = [];
  const deps: ReportDeps = {
    store,
    statuses,
    clock,
    runUrl: (arn) => `https://console/${arn}`,
    startUrl: (machine, id) => `https://console/${machine}/${id}`,
    startFollowers: async (run) => void followers.push(`${run.id}:${run.status}`),
    executions: noExecutions,
  };
  return { store, statuses, followers, deps };
}

const end = (status: string) => ({
  executionArn: RUN.executionArn!,
  name: 'R1',
  status,
  error: status === 'FAILED' ? 'States.TaskFailed' : null,
  cause: null,
});

describe('reporter', () => {
  test('FAILED → run failed, leftover steps cancelled, failure status naming the failing step, followers asked', async () => {
    const { store, statuses, followers, deps } = await setup();
    await onExecutionStatus(deps, end('FAILED'));
    const { run, steps } = (await store.getRun('R1'))!;
    assert.equal(run.status, 'failed');
    assert.equal(steps.find((s) => s.key === 'deploy')!.status, 'cancelled');
    assert.deepEqual(
      statuses.statuses.map((s) => [s.context, s.state, s.description, s.targetUrl]),
      [['sci/ci', 'failure', 'failed at step "test (node=20)": exit 1', `https://console/${RUN.executionArn}`]],
    );
    assert.deepEqual(followers, ['R1:failed']);
  });

  const table: Array<[string, string, string]> = [
    ['SUCCEEDED', 'succeeded', 'success'],
    ['TIMED_OUT', 'failed', 'failure'],
    ['ABORTED', 'cancelled', 'error'],
  ];
  for (const [sfnStatus, runStatus, commitState] of table) {
    test(`${sfnStatus} → run ${runStatus}, commit status ${commitState}`, async () => {
      const { store, statuses, deps } = await setup();
      await onExecutionStatus(deps, end(sfnStatus));
      assert.equal((await store.getRun('R1'))!.run.status, runStatus);
      assert.equal(statuses.statuses[0]!.state, commitState);
    });
  }

  test("the end of a part of a split pipeline (same run id in its input) is not the run's end", async () => {
    const { store, statuses, deps } = await setup();
    const input = JSON.stringify({ run: { id: 'R1' }, ctx: {}, steps: {}, part: 'ci#part-1' });
    assert.equal(
      await onExecutionStatus(deps, { ...end('SUCCEEDED'), name: 'a1b2', input }),
      'part ci#part-1 succeeded',
    );
    assert.equal((await store.getRun('R1'))!.run.status, 'running');
    assert.deepEqual(statuses.statuses, []);
  });

  test('duplicate and out-of-order events never move the run backwards', async () => {
    const { store, statuses, deps } = await setup();
    await onExecutionStatus(deps, end('SUCCEEDED'));
    await onExecutionStatus(deps, end('RUNNING'));
    await onExecutionStatus(deps, end('FAILED'));
    await onExecutionStatus(deps, end('SUCCEEDED'));
    assert.equal((await store.getRun('R1'))!.run.status, 'succeeded');
    assert.ok(
      statuses.statuses.every((s) => s.state === 'success'),
      'a late FAILED reports the real end',
    );
  });

  test('an execution with no run (a child execution) is ignored', async () => {
    const { statuses, deps } = await setup();
    assert.equal(await onExecutionStatus(deps, { ...end('SUCCEEDED'), name: 'child-123' }), 'no run child-123');
    assert.equal(statuses.statuses.length, 0);
  });

  test('a CodeBuild IN_PROGRESS event marks the step running with one more attempt; a duplicate changes nothing', async () => {
    const { store, deps } = await setup();
    // CodeBuild's events always name the build: a redelivery carries the same id
    const detail = {
      'build-status': 'IN_PROGRESS',
      'build-id': 'sci-steps:b1',
      'additional-information': {
        environment: {
          'environment-variables': [
            { name: 'SCI_RUN_ID', value: 'R1' },
            { name: 'SCI_STEP', value: 'deploy' },
            { name: 'SCI_STEP_KEY', value: 'deploy' },
          ],
        },
      },
    };
    assert.match(await onBuildState(deps, detail), /running/);
    await onBuildState(deps, detail);
    const step = (await store.getRun('R1'))!.steps.find((s) => s.key === 'deploy')!;
    assert.deepEqual([step.status, step.attempts, step.startedAt], ['running', 1, '2026-11-27T04:10:00.000Z']);
    assert.equal(await onBuildState(deps, { 'build-status': 'IN_PROGRESS' }), 'not a serverless-ci build');
  });

  test('a build is matched by SCI_STEP_KEY, never by a display name that happens to equal it', async () => {
    const { store, deps } = await setup([
      { runId: 'R1', key: 'pkg_2', name: 'pkg', kind: 'run', order: 5, status: 'pending', attempts: 0 },
      { runId: 'R1', key: 'pkg', name: 'pkg (os=linux)', kind: 'run', order: 6, status: 'pending', attempts: 0 },
    ]);
    const vars = [
      { name: 'SCI_RUN_ID', value: 'R1' },
      { name: 'SCI_STEP', value: 'pkg (os=linux)' },
      { name: 'SCI_STEP_KEY', value: 'pkg' },
    ];
    await onBuildState(deps, {
      'build-status': 'IN_PROGRESS',
      'additional-information': { environment: { 'environment-variables': vars } },
    });
    const steps = (await store.getRun('R1'))!.steps;
    assert.deepEqual(
      ['pkg', 'pkg_2'].map((k) => steps.find((s) => s.key === k)!.status),
      ['running', 'pending'],
    );
  });

  test('child runs: started by input run.id, no commit status of their own; queued ones settled when the caller ends', async () => {
    const { store, statuses, followers, deps } = await setup([
      { runId: 'R1', key: 'deploy', name: 'deploy', kind: 'pipeline', order: 3, status: 'running', attempts: 0 },
      { runId: 'R1', key: 'other', name: 'other', kind: 'pipeline', order: 4, status: 'pending', attempts: 0 },
    ]);
    await store.createRun({ ...RUN, id: 'R1.deploy', pipeline: 'deploy', status: 'queued', parentRunId: 'R1' }, [
      { runId: 'R1.deploy', key: 'ship', name: 'ship', kind: 'run', order: 0, status: 'pending', attempts: 0 },
    ]);
    await store.createRun({ ...RUN, id: 'R1.other', pipeline: 'other', status: 'queued', parentRunId: 'R1' }, []);
    const child = {
      executionArn: 'arn:aws:states:r:1:execution:deploy-m:5f0c',
      name: '5f0c-random',
      input: JSON.stringify({ run: { id: 'R1.deploy' } }),
    };
    await onExecutionStatus(deps, { ...child, status: 'RUNNING' });
    assert.equal((await store.getRun('R1.deploy'))!.run.executionArn, child.executionArn);
    await onExecutionStatus(deps, { ...child, status: 'SUCCEEDED' });
    assert.equal((await store.getRun('R1.deploy'))!.run.status, 'succeeded');
    assert.equal(statuses.statuses.length, 0);
    await onExecutionStatus(deps, end('FAILED'));
    assert.equal((await store.getRun('R1.other'))!.run.status, 'cancelled');
    assert.equal((await store.getRun('R1.deploy'))!.run.status, 'succeeded');
    assert.deepEqual(followers, ['R1:failed']);
  });
});
