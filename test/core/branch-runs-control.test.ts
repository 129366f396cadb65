import { after, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateStateMachineCommand,
  ListStateMachineVersionsCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { SfnExecutions } from '../../src/aws/sfn-executions.ts';
import { SfnStateMachineRegistry } from '../../src/aws/sfn-registry.ts';
import { stateMachineName } from '../../src/aws/names.ts';
import { startBranchRun } from '../../src/core/branch-runs.ts';
import { cancel, decide } from '../../src/core/control.ts';
import type { DispatchDeps } from '../../src/core/dispatch.ts';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { stepKey } from '../../statemachines/lifecycle.ts';
import { closeSharedTables, freshStore } from '../store/local-table.ts';
import { fixedRepos, recordingStatuses } from './fixtures.ts';
import { judgeSdkCalls } from '../aws/sdk-judge.ts';
import { mockInstance } from '../mock-instance.ts';

const client = new SFNClient({ region: 'eu-west-1' });
const sfn = mockInstance(client);
judgeSdkCalls({ sfn });
const PREFIX = 'arn:aws:states:eu-west-1:1:stateMachine:';

after(closeSharedTables);

async function deps(): Promise<DispatchDeps> {
  return {
    store: (await freshStore()).store,
    statuses: recordingStatuses(),
    registry: new SfnStateMachineRegistry(client, {
      roleArn: 'arn:aws:iam::1:role/x',
      arnPrefix: PREFIX,
    }),
    executions: new SfnExecutions(client),
    clock: { now: () => new Date('2026-11-27T05:00:00Z') },
    target: { tableName: 't', buildProject: 'p', artifactBucket: 'b' },
    machineName: (repo, id) => stateMachineName('sci-', repo, id),
    runUrl: (arn) => arn,
  };
}

const manual = (inputs: Record<string, unknown>) => ({
  event: 'manual' as const,
  repo: 'o/r',
  repoUrl: 'https://github.com/o/r.git',
  pipeline: 'deploy',
  branch: 'main',
  actor: 'arn:aws:iam::1:user/alice',
  seed: 'req-1',
  inputs,
});

/** Step Functions as each test starts with it: no machine yet, creations and starts answered. */
const resetSfn = () => {
  sfn.reset();
  sfn
    .on(ListStateMachineVersionsCommand)
    .rejects(Object.assign(new Error('none'), { name: 'StateMachineDoesNotExist' }));
  sfn
    .on(CreateStateMachineCommand)
    .callsFake((i: { name: string }) => ({ stateMachineVersionArn: `${PREFIX}${i.name}:1` }));
  sfn
    .on(StartExecutionCommand)
    .callsFake((i: { name: string }) => ({ executionArn: `arn:aws:states:eu-west-1:1:execution:m:${i.name}` }));
};

describe('manual and scheduled runs', () => {
  beforeEach(resetSfn);

  test('inputs are validated before anything starts: a bad choice makes no AWS call', async () => {
    const d = await deps();
    const outcome = await startBranchRun(d, fixedRepos(), manual({ target: 'qa' }));
    assert.ok(!outcome.ok && outcome.error.kind === 'invalid');
    assert.match(outcome.error.message, /target/);
    assert.deepEqual(
      outcome.error.problems.map((p) => p.at),
      [{ input: 'target' }],
    );
    assert.equal(sfn.calls().length, 0);
    assert.equal((await d.store.listRuns({})).length, 0);
  });

  test('a manual run starts only the named pipeline at the branch head with typed inputs', async () => {
    const d = await deps();
    const outcome = await startBranchRun(d, fixedRepos(), manual({ target: 'prod' }));
    assert.equal(outcome.ok, true);
    const starts = sfn.commandCalls(StartExecutionCommand);
    assert.equal(starts.length, 1);
    const input = JSON.parse(starts[0]!.args[0].input.input!);
    assert.deepEqual(
      [input.run.pipeline, input.run.event, input.run.sha, input.run.inputs],
      ['deploy', 'manual', 'b'.repeat(40), { target: 'prod' }],
    );
    assert.equal((await startBranchRun(d, fixedRepos(), manual({ target: 'prod' }))).ok, true);
    assert.equal((await d.store.listRuns({})).length, 1, 'the same request id starts no second run');
  });

  test('a pipeline without a manual trigger cannot be started by hand', async () => {
    const outcome = await startBranchRun(await deps(), fixedRepos(), { ...manual({}), pipeline: 'ci' });
    assert.equal(!outcome.ok && outcome.error.kind, 'not-found');
    assert.equal(sfn.commandCalls(StartExecutionCommand).length, 0);
  });

  test('a scheduled run starts the pipeline whose cron fired', async () => {
    const outcome = await startBranchRun(await deps(), fixedRepos(), {
      event: 'schedule',
      repo: 'o/r',
      repoUrl: 'u',
      pipeline: 'release',
      branch: 'main',
      actor: 'schedule',
      seed: 'schedule:abc',
      cron: '0 3 * * 1-5',
    });
    assert.equal(outcome.ok, true);
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!);
    assert.deepEqual([input.run.pipeline, input.run.event], ['release', 'schedule']);
  });
});

describe('approve, reject, cancel', () => {
  beforeEach(resetSfn);

  const RUN = {
    id: 'R1',
    repo: 'o/r',
    pipeline: 'ci',
    status: 'running' as const,
    event: 'push' as const,
    sha: 'a',
    ref: 'r',
    branch: 'main',
    tag: '',
    actor: 'me',
    inputs: {},
    createdAt: 'x',
    executionArn: 'arn:aws:states:eu-west-1:1:execution:m:R1',
  };
  /** The real store with run R1 and its approval step `gate`, pending. */
  const controls = async () => {
    const table = await freshStore();
    await table.store.createRun(RUN, [
      { runId: 'R1', key: 'gate', name: 'gate', kind: 'approval', order: 0, status: 'pending', attempts: 0 },
    ]);
    const executions = new SfnExecutions(client);
    return {
      table,
      store: table.store,
      executions,
      tokens: executions,
      statuses: recordingStatuses(),
      clock: { now: () => new Date('2026-11-27T04:00:00Z') },
    };
  };

  /** Controls whose `gate` waits on `token`, as the approval task itself writes it (statemachines/compiler/kinds.ts). */
  const waiting = async (token: string) => {
    const c = await controls();
    await c.table.documentClient.send(
      new UpdateCommand({
        TableName: c.table.tableName,
        Key: stepKey('R1', 'gate'),
        UpdateExpression: 'SET #s = :w, taskToken = :t',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':w': 'waiting', ':t': token },
      }),
    );
    return c;
  };

  test('approve sends the stored token to SendTaskSuccess; reject to SendTaskFailure with sci.Rejected', async () => {
    const c = await waiting('token-1');
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});
    assert.equal((await decide(c, 'R1', 'gate', 'approve', 'alice')).ok, true);
    assert.deepEqual(sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input, {
      taskToken: 'token-1',
      output: JSON.stringify({ decision: 'approved', by: 'alice' }),
    });
    assert.equal((await decide(c, 'R1', 'gate', 'reject', 'bob')).ok, false, 'the first decision stands');
    assert.equal(sfn.commandCalls(SendTaskFailureCommand).length, 0);
    assert.equal((await decide(await waiting('token-2'), 'R1', 'gate', 'reject', 'bob')).ok, true);
    assert.deepEqual(sfn.commandCalls(SendTaskFailureCommand)[0]!.args[0].input, {
      taskToken: 'token-2',
      error: 'sci.Rejected',
      cause: 'rejected by bob',
    });
  });

  test('deciding on a step that is not waiting is a conflict, and calls nothing', async () => {
    const result = await decide(await controls(), 'R1', 'gate', 'approve', 'alice');
    assert.deepEqual(!result.ok && result.error, {
      kind: 'conflict',
      reason: 'not-waiting',
      message: 'step gate of run R1 is pending, not waiting for an approval',
    });
    const missing = await decide(await controls(), 'R1', 'nope', 'approve', 'alice');
    assert.equal(!missing.ok && missing.error.kind, 'not-found');
    assert.equal(sfn.calls().length, 0);
  });

  test('cancel stops the execution of a running run; an ended run is a conflict, an unknown one not found', async () => {
    const c = await controls();
    sfn.on(StopExecutionCommand).resolves({});
    const run = RUN;
    assert.equal((await cancel(c, 'R1', 'alice')).ok, true);
    assert.deepEqual(sfn.commandCalls(StopExecutionCommand)[0]!.args[0].input, {
      executionArn: run.executionArn,
      error: 'sci.Cancelled',
      cause: 'cancelled by alice',
    });
    await c.store.transitionRun('R1', 'cancelled');
    const ended = await cancel(c, 'R1', 'alice');
    assert.deepEqual(!ended.ok && ended.error, {
      kind: 'conflict',
      reason: 'ended',
      message: 'run R1 already cancelled',
    });
    const missing = await cancel(c, 'nope', 'alice');
    assert.equal(!missing.ok && missing.error.kind, 'not-found');
  });
});
