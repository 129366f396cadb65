/**
 * The AWS half of redrive (aws-sdk-client-mock): `RedriveExecution` on the run's execution ARN,
 * the input judged by the SDK's own API model, and Step Functions' documented refusals
 * (`ExecutionNotRedrivable`, `ExecutionDoesNotExist`) turned into the core's NotRedrivableError,
 * which the control use case returns as a conflict (`not-redrivable`).
 */
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { ExecutionDoesNotExist, ExecutionNotRedrivable, RedriveExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { NotRedrivableError, redrive } from '../../src/core/control.ts';
import type { RunStore, RunWithSteps } from '../../src/core/ports.ts';
import { SfnExecutions } from '../../src/aws/sfn-executions.ts';
import { sdkCallProblems } from './api-model.ts';
import { aRun } from '../store/records.ts';

const ARN = 'arn:aws:states:eu-west-1:123456789012:execution:sci-0a1b2c3d-ci:01JD0000000000000000000000';
const sfn = mockClient(SFNClient);
const executions = () => new SfnExecutions(new SFNClient({ region: 'eu-west-1' }));

beforeEach(() => sfn.reset());

test('redrive sends RedriveExecution for the execution, valid against the API model', async () => {
  sfn.on(RedriveExecutionCommand).resolves({ redriveDate: new Date('2026-11-28T12:00:00Z') });
  await executions().redrive(ARN);
  assert.deepEqual(
    sfn.commandCalls(RedriveExecutionCommand).map((c) => c.args[0].input),
    [{ executionArn: ARN }],
  );
  assert.deepEqual(sdkCallProblems('sfn', sfn), []);
});

for (const [name, refusal] of [
  ['ExecutionNotRedrivable', new ExecutionNotRedrivable({ message: 'Execution is SUCCEEDED', $metadata: {} })],
  ['ExecutionDoesNotExist', new ExecutionDoesNotExist({ message: 'Execution does not exist', $metadata: {} })],
] as const) {
  test(`${name} becomes NotRedrivableError, other errors pass through`, async () => {
    sfn.on(RedriveExecutionCommand).rejects(refusal);
    await assert.rejects(
      executions().redrive(ARN),
      (e: Error) => e instanceof NotRedrivableError && e.message.startsWith(name),
    );
    sfn.on(RedriveExecutionCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await assert.rejects(executions().redrive(ARN), { name: 'ThrottlingException' });
  });
}

/** A store that holds one run: the use case reads it and nothing else. */
function storeWith(found: RunWithSteps): RunStore {
  return { getRun: async (id: string) => (id === found.run.id ? found : undefined) } as unknown as RunStore;
}

const failedRun: RunWithSteps = {
  run: aRun({
    id: 'r1',
    repo: 'o/r',
    actor: 'me',
    status: 'failed',
    createdAt: '2026-11-28T11:00:00Z',
    executionArn: ARN,
  }),
  steps: [
    { runId: 'r1', key: 'build', name: 'build', kind: 'run', order: 0, status: 'succeeded', attempts: 1 },
    { runId: 'r1', key: 'test', name: 'test', kind: 'run', order: 1, status: 'failed', attempts: 1 },
  ],
};

test('the control use case redrives a failed run and returns a conflict on a refusal', async () => {
  sfn.on(RedriveExecutionCommand).resolves({ redriveDate: new Date() });
  assert.deepEqual(await redrive({ store: storeWith(failedRun), redriver: executions() }, 'r1'), {
    ok: true,
    value: 'redriving run r1 (attempt 2)',
  });
  sfn
    .on(RedriveExecutionCommand)
    .rejects(new ExecutionNotRedrivable({ message: 'redrivable period exceeded', $metadata: {} }));
  const refused = await redrive({ store: storeWith(failedRun), redriver: executions() }, 'r1');
  assert.equal(refused.ok, false);
  assert.deepEqual(!refused.ok && [refused.error.kind, refused.error.kind === 'conflict' && refused.error.reason], [
    'conflict',
    'not-redrivable',
  ]);
});

test('the use case refuses, without calling Step Functions, what cannot be redriven', async () => {
  const cases: Array<[RunWithSteps, string, RegExp]> = [
    [
      { ...failedRun, run: { ...failedRun.run, status: 'running' } },
      'not-redrivable',
      /running: only a failed or cancelled run/,
    ],
    [
      { ...failedRun, run: { ...failedRun.run, status: 'succeeded' } },
      'not-redrivable',
      /succeeded: only a failed or cancelled run/,
    ],
    [{ ...failedRun, run: { ...failedRun.run, parentRunId: 'p1' } }, 'not-redrivable', /started by run p1/],
    [
      { ...failedRun, steps: failedRun.steps.map((s) => ({ ...s, status: 'succeeded' as const })) },
      'nothing-to-redrive',
      /nothing to redrive/,
    ],
  ];
  for (const [found, reason, message] of cases) {
    const result = await redrive({ store: storeWith(found), redriver: executions() }, 'r1');
    assert.ok(!result.ok && result.error.kind === 'conflict');
    assert.equal(result.error.reason, reason);
    assert.match(result.error.message, message);
  }
  const missing = await redrive({ store: storeWith(failedRun), redriver: executions() }, 'other');
  assert.equal(!missing.ok && missing.error.kind, 'not-found');
  assert.equal(sfn.commandCalls(RedriveExecutionCommand).length, 0);
});
