/**
 * The reporter Lambda entry with the EventBridge events as AWS sends them: runs on dynalite,
 * commit statuses to a loopback GitHub, followers dispatched through mocked Step Functions.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BatchGetBuildsCommand, CodeBuildClient } from '@aws-sdk/client-codebuild';
import {
  CreateStateMachineCommand,
  ListStateMachineVersionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { openLocalStore, type LocalStore } from '../../local/store/dynalite-server.ts';
import { CI, DEPLOY } from '../core/fixtures.ts';
import { fakeGitHub, type FakeGitHub } from './fake-github.ts';
import { judgeSdkCalls } from '../aws/sdk-judge.ts';

const SHA = 'd'.repeat(40);
const REPO = 'octo/app';
const sfn = mockClient(SFNClient);
const secrets = mockClient(SecretsManagerClient);
const codebuild = mockClient(CodeBuildClient);
judgeSdkCalls({ sfn, secretsmanager: secrets, codebuild });
let home: string;
let local: LocalStore;
let github: FakeGitHub;
let handler: (event: unknown) => Promise<string>;

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'sci-reporter-fn-'));
  local = await openLocalStore(home);
  github = await fakeGitHub(REPO, SHA, { 'ci.yml': CI, 'deploy.yml': DEPLOY });
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ token: 't', baseUrl: github.baseUrl }) });
  sfn
    .on(ListStateMachineVersionsCommand)
    .rejects(Object.assign(new Error('none'), { name: 'StateMachineDoesNotExist' }));
  sfn.on(CreateStateMachineCommand).callsFake((i: { name: string }) => ({
    stateMachineVersionArn: `arn:aws:states:eu-west-1:123456789012:stateMachine:${i.name}:1`,
  }));
  sfn.on(StartExecutionCommand).callsFake((i: { name: string }) => ({
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
    BUILD_PROJECT: 'sci-steps',
    ARTIFACT_BUCKET: 'sci-artifacts',
    BUILD_ROLE_ARN: 'arn:aws:iam::123456789012:role/sci-steps',
    UNTRUSTED_BUILD_ROLE_ARN: 'arn:aws:iam::123456789012:role/sci-untrusted-steps',
  });
  ({ handler } = (await import('../../functions/reporter.ts')) as unknown as { handler: typeof handler });
  await local.store.createRun(
    {
      id: 'RUNCI',
      repo: REPO,
      pipeline: 'ci',
      status: 'running',
      event: 'push',
      sha: SHA,
      ref: 'refs/heads/main',
      branch: 'main',
      tag: '',
      actor: 'me',
      inputs: {},
      createdAt: new Date().toISOString(),
    },
    [
      { runId: 'RUNCI', key: 'lint', name: 'lint', kind: 'run', order: 0, status: 'pending', attempts: 0 },
      { runId: 'RUNCI', key: 'test', name: 'test', kind: 'run', order: 1, status: 'pending', attempts: 0 },
    ],
  );
});

after(async () => {
  await github.close();
  await local.close();
  rmSync(home, { recursive: true, force: true });
});

const arn = 'arn:aws:states:eu-west-1:123456789012:execution:sci-abc-ci:RUNCI';
const sfnEvent = (status: string) => ({
  version: '0',
  'detail-type': 'Step Functions Execution Status Change',
  source: 'aws.states',
  region: 'eu-west-1',
  detail: {
    executionArn: arn,
    stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:sci-abc-ci:1',
    name: 'RUNCI',
    status,
    input: JSON.stringify({ run: { id: 'RUNCI' } }),
    error: null,
    cause: null,
  },
});

describe('functions/reporter handler', () => {
  test('a CodeBuild start marks the step running', async () => {
    const event = {
      'detail-type': 'CodeBuild Build State Change',
      source: 'aws.codebuild',
      detail: {
        'build-status': 'IN_PROGRESS',
        'build-id': 'arn:aws:codebuild:eu-west-1:1:build/sci-steps:1',
        'project-name': 'sci-steps',
        'additional-information': {
          environment: {
            'environment-variables': [
              { name: 'SCI_RUN_ID', value: 'RUNCI', type: 'PLAINTEXT' },
              { name: 'SCI_STEP', value: 'lint', type: 'PLAINTEXT' },
              { name: 'SCI_STEP_KEY', value: 'lint', type: 'PLAINTEXT' },
            ],
          },
        },
      },
    };
    assert.match(await handler(event), /running/);
    assert.equal((await local.store.getRun('RUNCI'))!.steps[0]!.status, 'running');
  });

  test('SUCCEEDED: run succeeded, success status linking the console, the follower (deploy on ci succeeded) started once', async () => {
    // lint's build succeeded and records its own success, but its event is not in yet (the event has no output here)
    codebuild.on(BatchGetBuildsCommand).resolves({
      builds: [
        {
          id: 'sci-steps:1',
          arn: 'arn:aws:codebuild:eu-west-1:1:build/sci-steps:1',
          buildStatus: 'SUCCEEDED',
          environment: {
            type: 'LINUX_CONTAINER',
            image: 'node:22',
            computeType: 'BUILD_GENERAL1_SMALL',
            environmentVariables: [
              { name: 'SCI_RUN_ID', value: 'RUNCI', type: 'PLAINTEXT' },
              { name: 'SCI_STEP_KEY', value: 'lint', type: 'PLAINTEXT' },
              { name: 'SCI_REPORT_SUCCESS', value: '1', type: 'PLAINTEXT' },
            ],
          },
        },
      ],
    });
    assert.equal(await handler(sfnEvent('SUCCEEDED')), 'run RUNCI succeeded');
    assert.deepEqual(
      codebuild.commandCalls(BatchGetBuildsCommand).map((c) => c.args[0].input.ids),
      [['sci-steps:1']],
    );
    assert.equal((await local.store.getRun('RUNCI'))!.steps.find((s) => s.key === 'lint')!.status, 'succeeded');
    await handler(sfnEvent('SUCCEEDED'));
    assert.equal((await local.store.getRun('RUNCI'))!.run.status, 'succeeded');
    const status = github.statuses[0]!;
    assert.deepEqual([status.context, status.state], ['sci/ci', 'success']);
    assert.match(
      String(status.target_url),
      /console\.aws\.amazon\.com\/states\/home\?region=eu-west-1#\/v2\/executions\/details\//,
    );
    const followers = await local.store.listRuns({ repo: REPO, pipeline: 'deploy' });
    assert.equal(followers.length, 1, 'a duplicate end starts no second follower');
    assert.deepEqual([followers[0]!.event, followers[0]!.parentRunId, followers[0]!.sha], ['pipeline', 'RUNCI', SHA]);
    const starts = sfn.commandCalls(StartExecutionCommand).map((c) => JSON.parse(c.args[0].input.input!).run);
    assert.ok(starts.every((r: { pipeline: string; inputs: unknown }) => r.pipeline === 'deploy'));
    assert.deepEqual(starts[0].inputs, { target: 'staging' });
  });
});
