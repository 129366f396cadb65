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
/** A build's start event, for the step `key`. */
const build = (runId: string, buildId: string, key = 'build') => ({
  'build-status': 'IN_PROGRESS',
  'build-id': buildId,
  'additional-information': {
    environment: {
      'environment-variables': [
        { name: 'SCI_RUN_ID', value: runId },
        { name: 'SCI_STEP', value: key },
        { name: 'SCI_STEP_KEY', value: key },
      ],
    },
  },
});

/** A build's success event; `bySuccess`: its step's success is the build's to record (SCI_REPORT_SUCCESS). */
const succeeded = (runId: string, key: string, bySuccess: boolean) => ({
  'build-status': 'SUCCEEDED',
  'build-id': `sci-steps:${key}`,
  'additional-information': {
    environment: {
      'environment-variables': [
        { name: 'SCI_RUN_ID', value: runId },
        { name: 'SCI_STEP_KEY', value: key },
        ...(bySuccess ? [{ name: 'SCI_REPORT_SUCCESS', value: '1' }] : []),
      ],
    },
  },
});

describe('reporter on the real store', () => {
  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'sci-report-'));
    local = await openLocalStore(home);
  });
  after(async () => {
    await local.close();
    rmSync(home, { recursive: true, force: true });
  });

  test("a build's success records its step succeeded only when the definition leaves it to the build", async () => {
    const { deps } = await newRun('RUNSB');
    await onBuildState(deps, build('RUNSB', 'sci-steps:1'));
    assert.equal(await onBuildState(deps, succeeded('RUNSB', 'build', true)), 'step build of RUNSB succeeded');
    // A step whose success the state machine writes (outputs, an older definition): its write must find it open.
    await onBuildState(deps, succeeded('RUNSB', 'ship', false));
    // Duplicate: nothing moves.
    assert.equal(
      await onBuildState(deps, succeeded('RUNSB', 'build', true)),
      'step build of RUNSB already ended (or no such step)',
    );
    const { steps } = (await local.store.getRun('RUNSB'))!;
    assert.deepEqual(
      steps.map((s) => [s.key, s.status, s.attempts, s.endedAt !== undefined]),
      [
        ['build', 'succeeded', 1, true],
        ['ship', 'pending', 0, false],
      ],
    );
  });

  test("a build's success event never moves a cancelled step back", async () => {
    const { deps } = await newRun('RUNC');
    await local.store.transitionStep('RUNC', 'build', 'cancelled', { reason: 'run cancelled' });
    await onBuildState(deps, succeeded('RUNC', 'build', true));
    assert.equal((await local.store.getRun('RUNC'))!.steps[0]!.status, 'cancelled');
  });

  test("the run's end settles an open step from the execution's output: succeeded there, cancelled without it", async () => {
    // build's success event is still on its way when the execution's end arrives; ship never ran
    const { deps } = await newRun('RUNO');
    await onBuildState(deps, build('RUNO', 'sci-steps:1'));
    const output = JSON.stringify({ steps: { build: { status: 'succeeded', chain: 'succeeded' } } });
    await onExecutionStatus(deps, { ...exec('RUNO', 'SUCCEEDED'), output });
    await onBuildState(deps, succeeded('RUNO', 'build', true));
    const { steps } = (await local.store.getRun('RUNO'))!;
    assert.deepEqual(
      steps.map((s) => [s.key, s.status, s.reason]),
      [
        ['build', 'succeeded', undefined],
        ['ship', 'cancelled', 'run succeeded'],
      ],
    );
  });

  test("a failed run's end (no output) asks CodeBuild about an open step's build: succeeded when it succeeded and records its own success", async () => {
    const { deps } = await newRun('RUNF');
    await onBuildState(deps, build('RUNF', 'arn:aws:codebuild:r:1:build/sci-steps:b1'));
    await onBuildState(deps, build('RUNF', 'arn:aws:codebuild:r:1:build/sci-steps:s1', 'ship'));
    const asked: string[][] = [];
    const builds = {
      describe: async (ids: string[]) => {
        asked.push(ids);
        const vars = (key: string, marked: boolean) => ({
          SCI_RUN_ID: 'RUNF',
          SCI_STEP_KEY: key,
          ...(marked ? { SCI_REPORT_SUCCESS: '1' } : {}),
        });
        return [
          { id: 'arn:aws:codebuild:r:1:build/sci-steps:b1', status: 'SUCCEEDED', variables: vars('build', true) },
          // its success is the machine's write (no mark): the run's end does not decide it
          { id: 'arn:aws:codebuild:r:1:build/sci-steps:s1', status: 'SUCCEEDED', variables: vars('ship', false) },
        ];
      },
    };
    await onExecutionStatus({ ...deps, builds }, exec('RUNF', 'FAILED'));
    assert.deepEqual(asked, [['arn:aws:codebuild:r:1:build/sci-steps:b1', 'arn:aws:codebuild:r:1:build/sci-steps:s1']]);
    const { run, steps } = (await local.store.getRun('RUNF'))!;
    assert.deepEqual(
      [run.status, ...steps.map((s) => `${s.key}:${s.status}`)],
      ['failed', 'build:succeeded', 'ship:cancelled'],
    );
  });

  test("a part's end settles its steps the output records succeeded; the run's end is the root's", async () => {
    const { deps } = await newRun('RUNP');
    const input = JSON.stringify({ run: { id: 'RUNP' }, part: 'p1' });
    const output = JSON.stringify({ steps: { ship: { status: 'succeeded', chain: 'succeeded' } } });
    assert.equal(
      await onExecutionStatus(deps, { ...exec('RUNP-p1', 'SUCCEEDED'), input, output }),
      'part p1 succeeded; 1 step(s) succeeded',
    );
    const { run, steps } = (await local.store.getRun('RUNP'))!;
    assert.deepEqual([run.status, ...steps.map((s) => s.status)], ['queued', 'pending', 'succeeded']);
  });

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
