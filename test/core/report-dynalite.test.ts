/** The reporter against the real run store on dynalite: duplicates and out-of-order events. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalStore, type LocalStore } from '../../local/store/dynalite-server.ts';
import { onBuildState, onExecutionStatus, type ReportDeps } from '../../src/core/report.ts';
import { noExecutions, recordingStatuses } from './fixtures.ts';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { runBlock, runView } from '../../src/cli/output/run-view.ts';
import { aRun } from '../store/records.ts';

let home: string;
let local: LocalStore;

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'sci-report-'));
  local = await openLocalStore(home);
});
after(async () => {
  await local.close();
  rmSync(home, { recursive: true, force: true });
});

async function newRun(id: string) {
  await local.store.createRun(aRun({ id, repo: 'o/r', actor: 'me', createdAt: new Date().toISOString() }), [
    { runId: id, key: 'build', name: 'build', kind: 'run', order: 0, status: 'pending', attempts: 0 },
    { runId: id, key: 'ship', name: 'ship', kind: 'run', order: 1, status: 'pending', attempts: 0 },
  ]);
  const statuses = recordingStatuses();
  const followers: string[] = [];
  const deps: ReportDeps = {
    store: local.store,
    statuses,
    clock: { now: () => new Date() },
    runUrl: (a) => a,
    startUrl: (m, id) => `${m}/${id}`,
    startFollowers: async (r) => void followers.push(r.id),
    executions: noExecutions,
  };
  return { deps, statuses, followers };
}

const exec = (name: string, status: string) => ({
  executionArn: `arn:aws:states:r:1:execution:m:${name}`,
  name,
  status,
});
const build = (runId: string, buildId: string) => ({
  'build-status': 'IN_PROGRESS',
  'build-id': buildId,
  'additional-information': {
    environment: {
      'environment-variables': [
        { name: 'SCI_RUN_ID', value: runId },
        { name: 'SCI_STEP', value: 'build' },
        { name: 'SCI_STEP_KEY', value: 'build' },
      ],
    },
  },
});

describe('reporter on the real store', () => {
  test('out of order: the end arrives before RUNNING; a late RUNNING and a duplicate end change nothing', async () => {
    const { deps, statuses } = await newRun('RUNA');
    await onExecutionStatus(deps, exec('RUNA', 'SUCCEEDED'));
    await onExecutionStatus(deps, exec('RUNA', 'RUNNING'));
    await onExecutionStatus(deps, exec('RUNA', 'SUCCEEDED'));
    const { run, steps } = (await local.store.getRun('RUNA'))!;
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(
      steps.map((s) => s.status),
      ['cancelled', 'cancelled'],
    );
    assert.ok(statuses.statuses.every((s) => s.state === 'success'));
  });

  test('a build start counts one attempt per build id, however often its event arrives', async () => {
    const { deps } = await newRun('RUNB');
    await onBuildState(deps, build('RUNB', 'sci-steps:1'));
    await onBuildState(deps, build('RUNB', 'sci-steps:1'));
    await onBuildState(deps, build('RUNB', 'sci-steps:2'));
    const step = (await local.store.getRun('RUNB'))!.steps.find((s) => s.key === 'build')!;
    assert.deepEqual([step.status, step.attempts], ['running', 2]);
  });

  test('a build start stores its build ARN; sci show links the step to the build in the CodeBuild console', async () => {
    await newRun('RUNL');
    const arn = 'arn:aws:codebuild:eu-west-1:123456789012:build/sci-steps:0d3b7e1c-1111-4a2b-9c3d-000000000002';
    await onBuildState({ store: local.store, clock: { now: () => new Date() } }, build('RUNL', arn));
    const view = runView((await local.store.getRun('RUNL'))!);
    const url = `https://eu-west-1.console.aws.amazon.com/codesuite/codebuild/projects/sci-steps/build/sci-steps%3A0d3b7e1c-1111-4a2b-9c3d-000000000002?region=eu-west-1`;
    assert.deepEqual(
      view.steps.map((s) => [s.name, s.status, s.build]),
      [
        ['build', 'running', url],
        ['ship', 'pending', undefined],
      ],
    );
    assert.ok(runBlock((await local.store.getRun('RUNL'))!).includes(`      build: ${url}`));
  });

  test('a redriven execution reopens its run: RUNNING with a higher redriveCount, once; an end that overtakes it reopens then ends', async () => {
    const { deps } = await newRun('RUNR');
    const at = new Date().toISOString();
    // the first attempt: build succeeded, ship failed, the run failed
    await local.store.transitionRun('RUNR', 'running', { startedAt: at });
    await local.store.transitionStep('RUNR', 'build', 'succeeded', { endedAt: at });
    await local.store.transitionStep('RUNR', 'ship', 'failed', { endedAt: at, reason: 'failed (States.TaskFailed)' });
    await onExecutionStatus(deps, { ...exec('RUNR', 'FAILED'), redriveCount: 0 });
    const view = async () => {
      const { run, steps } = (await local.store.getRun('RUNR'))!;
      return [run.status, run.redriveCount ?? 0, ...steps.map((s) => `${s.key}:${s.status}`)];
    };
    assert.deepEqual(await view(), ['failed', 0, 'build:succeeded', 'ship:failed']);
    // RedriveExecution: Step Functions reports the execution RUNNING again, redriveCount 1
    assert.equal(
      await onExecutionStatus(deps, { ...exec('RUNR', 'RUNNING'), redriveCount: 1 }),
      'run RUNR running (redrive 1)',
    );
    assert.deepEqual(await view(), ['running', 1, 'build:succeeded', 'ship:pending']);
    // a duplicate changes nothing (the count is matched)
    assert.equal(await onExecutionStatus(deps, { ...exec('RUNR', 'RUNNING'), redriveCount: 1 }), 'run RUNR running');
    await local.store.transitionStep('RUNR', 'ship', 'succeeded', { endedAt: at });
    await onExecutionStatus(deps, { ...exec('RUNR', 'SUCCEEDED'), redriveCount: 1 });
    assert.deepEqual(await view(), ['succeeded', 1, 'build:succeeded', 'ship:succeeded']);
  });

  test("an end that overtakes its redrive's RUNNING reopens the run and ends it; the late RUNNING leaves it ended", async () => {
    const { deps } = await newRun('RUNS');
    const at = new Date().toISOString();
    await local.store.transitionStep('RUNS', 'build', 'failed', { endedAt: at });
    await onExecutionStatus(deps, exec('RUNS', 'FAILED'));
    await onExecutionStatus(deps, { ...exec('RUNS', 'FAILED'), redriveCount: 1 });
    const ended = (await local.store.getRun('RUNS'))!;
    assert.deepEqual([ended.run.status, ended.run.redriveCount], ['failed', 1]);
    // the steps that ran again and did not write an end were settled by the end, as on a first attempt
    assert.deepEqual(
      ended.steps.map((s) => [s.key, s.status]),
      [
        ['build', 'cancelled'],
        ['ship', 'cancelled'],
      ],
    );
    await onExecutionStatus(deps, { ...exec('RUNS', 'RUNNING'), redriveCount: 1 });
    assert.deepEqual((await local.store.getRun('RUNS'))!.run.status, 'failed');
  });

  test("an execution that ends (aborted) while its run holds an environment frees the lock; another run's lock stays", async () => {
    const { deps } = await newRun('RUNC');
    const lock = (env: string, holder: string) =>
      local.documentClient.send(
        new PutCommand({
          TableName: local.tableName,
          Item: {
            pk: `ENV#${env}`,
            sk: '#LOCK',
            holder,
            heldSince: 'then',
            waiters: [],
            gsi1pk: `HELD#${holder}`,
            gsi1sk: env,
          },
        }),
      );
    await lock('production', 'RUNC');
    await lock('staging', 'OTHER');
    await onExecutionStatus(deps, exec('RUNC', 'ABORTED'));
    const read = async (env: string) =>
      (
        await local.documentClient.send(
          new GetCommand({ TableName: local.tableName, Key: { pk: `ENV#${env}`, sk: '#LOCK' } }),
        )
      ).Item;
    const freed = await read('production');
    assert.equal(freed?.holder, undefined);
    assert.equal(freed?.gsi1pk, undefined);
    assert.equal((await read('staging'))?.holder, 'OTHER');
  });
});
