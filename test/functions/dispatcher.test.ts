/**
 * The dispatcher Lambda entry as deployed: an SQS batch, GitHub answered on loopback
 * (fake-github.ts), Step Functions and Secrets Manager mocked, runs on dynalite.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  CreateStateMachineCommand,
  ListStateMachineVersionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { openLocalStore, type LocalStore } from '../../local/store/dynalite-server.ts';
import { slimPayload } from '../../src/github/slim-payload.ts';
import { CI } from '../core/fixtures.ts';
import { examples } from '../github/helpers.ts';
import { fakeGitHub, type FakeGitHub } from './fake-github.ts';
import { judgeSdkCalls } from '../aws/sdk-judge.ts';

const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const sfn = mockClient(SFNClient);
const secrets = mockClient(SecretsManagerClient);
const scheduler = mockClient(SchedulerClient);
judgeSdkCalls({ sfn, secretsmanager: secrets, scheduler });
let home: string;
let local: LocalStore;
let github: FakeGitHub;
let handler: (event: SQSEvent) => Promise<SQSBatchResponse>;

function sqsEvent(bodies: string[]): SQSEvent {
  return { Records: bodies.map((body, i) => ({ messageId: `m${i}`, body })) } as unknown as SQSEvent;
}

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'sci-dispatcher-fn-'));
  local = await openLocalStore(home);
  github = await fakeGitHub('Codertocat/Hello-World', SHA, { 'ci.yml': CI });
  scheduler.on(ListSchedulesCommand).resolves({ Schedules: [] });
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ token: 't', baseUrl: github.baseUrl }) });
  sfn
    .on(ListStateMachineVersionsCommand)
    .rejects(Object.assign(new Error('none'), { name: 'StateMachineDoesNotExist' }));
  sfn.on(CreateStateMachineCommand).callsFake((i: { name: string }) => ({
    stateMachineVersionArn: `arn:aws:states:eu-west-1:123456789012:stateMachine:${i.name}:1`,
  }));
  sfn.on(StartExecutionCommand).callsFake((i: { stateMachineArn: string; name: string }) => ({
    executionArn: `arn:aws:states:eu-west-1:123456789012:execution:m:${i.name}`,
  }));
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: local.endpoint(),
    TABLE_NAME: local.tableName,
    GITHUB_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:gh',
    EXECUTION_ROLE_ARN: 'arn:aws:iam::123456789012:role/sci-exec',
    SCHEDULER_GROUP: 'sci',
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/sched',
    SCHEDULED_FUNCTION_ARN: 'arn:aws:lambda:eu-west-1:123456789012:function:scheduled',
    BUILD_PROJECT: 'sci-steps',
    ARTIFACT_BUCKET: 'sci-artifacts',
    BUILD_ROLE_ARN: 'arn:aws:iam::123456789012:role/sci-steps',
    UNTRUSTED_BUILD_ROLE_ARN: 'arn:aws:iam::123456789012:role/sci-untrusted-steps',
    STATE_MACHINE_PREFIX: 'sci-',
  });
  ({ handler } = (await import('../../functions/dispatcher.ts')) as unknown as { handler: typeof handler });
});

after(async () => {
  await github.close();
  await local.close();
  rmSync(home, { recursive: true, force: true });
});

describe('functions/dispatcher handler', () => {
  test('a batch: the push starts one run; a broken message alone is reported for retry; the same delivery again starts nothing new', async () => {
    const push = examples('push').find((p) => p.ref === 'refs/heads/master')!;
    const message = JSON.stringify({
      hookId: '1',
      deliveryId: 'fn-d-1',
      event: 'push',
      receivedAt: '2026-11-27T04:00:00Z',
      payload: slimPayload('push', push),
    });
    const result = await handler(sqsEvent([message, '{not json']));
    assert.deepEqual(result.batchItemFailures, [{ itemIdentifier: 'm1' }]);
    const runs = await local.store.listRuns({ repo: 'Codertocat/Hello-World' });
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.status, 'running');
    assert.equal(runs[0]!.executionArn, `arn:aws:states:eu-west-1:123456789012:execution:m:${runs[0]!.id}`);
    const start = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    assert.match(start.stateMachineArn!, /^arn:aws:states:eu-west-1:123456789012:stateMachine:sci-[0-9a-f]{10}-ci:1$/);
    assert.equal(JSON.parse(start.input!).run.id, runs[0]!.id);
    assert.deepEqual(
      github.statuses.map((s) => [s.context, s.state]),
      [['sci/ci', 'pending']],
    );
    assert.equal(
      scheduler.commandCalls(ListSchedulesCommand)[0]!.args[0].input.GroupName,
      'sci',
      'a default-branch push syncs schedules',
    );
    assert.deepEqual((await handler(sqsEvent([message]))).batchItemFailures, []);
    assert.equal((await local.store.listRuns({ repo: 'Codertocat/Hello-World' })).length, 1);
  });
});
