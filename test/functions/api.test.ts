/**
 * The API and scheduled Lambda entries: routes, typed inputs before any start, approvals and
 * cancels as Step Functions calls; runs on dynalite, GitHub on loopback, Step Functions mocked.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreateStateMachineCommand,
  ListStateMachineVersionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { openLocalStore, type LocalStore } from '../../local/store/dynalite-server.ts';
import { CI, DEPLOY, RELEASE } from '../core/fixtures.ts';
import { fakeGitHub, type FakeGitHub } from './fake-github.ts';
import { judgeSdkCalls } from '../aws/sdk-judge.ts';

const SHA = 'e'.repeat(40);
/** A pipeline releasing to production, with an output the release keeps. */
const SHIP = `
on: { push: {} }
steps:
  build: { run: make, outputs: [version] }
  deploy: { needs: [build], environment: production, run: ./deploy }
`;
/** A manual pipeline whose runs queue in one concurrency group. */
const QUEUE = `
on: { manual: {} }
concurrency: { group: "queue-\${{ branch }}" }
steps:
  build: { run: make }
`;
const REPO = 'octo/api';
const sfn = mockClient(SFNClient);
const secrets = mockClient(SecretsManagerClient);
judgeSdkCalls({ sfn, secretsmanager: secrets });
let home: string;
let local: LocalStore;
let github: FakeGitHub;
let api: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
let scheduled: (event: unknown) => Promise<{ ok: boolean }>;

const call = (method: string, rawPath: string, body: unknown, requestId = 'req-1') =>
  api(
    {
      rawPath,
      body: JSON.stringify(body),
      isBase64Encoded: false,
      headers: {},
      requestContext: { http: { method }, authorizer: { iam: { userArn: 'arn:aws:iam::1:user/alice' } } },
    } as unknown as APIGatewayProxyEventV2,
    { awsRequestId: requestId } as Context,
  );

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'sci-api-fn-'));
  local = await openLocalStore(home);
  github = await fakeGitHub(REPO, SHA, {
    'ci.yml': CI,
    'deploy.yml': DEPLOY,
    'release.yml': RELEASE,
    'ship.yml': SHIP,
    'queue.yml': QUEUE,
  });
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ token: 't', baseUrl: github.baseUrl }) });
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
  ({ handler: api } = (await import('../../functions/api.ts')) as unknown as { handler: typeof api });
  ({ handler: scheduled } = (await import('../../functions/scheduled.ts')) as unknown as { handler: typeof scheduled });
});

after(async () => {
  await github.close();
  await local.close();
  rmSync(home, { recursive: true, force: true });
});

beforeEach(() => {
  sfn.reset();
  sfn
    .on(ListStateMachineVersionsCommand)
    .rejects(Object.assign(new Error('none'), { name: 'StateMachineDoesNotExist' }));
  sfn.on(CreateStateMachineCommand).callsFake((i: { name: string }) => ({
    stateMachineVersionArn: `arn:aws:states:eu-west-1:123456789012:stateMachine:${i.name}:1`,
  }));
  sfn.on(StartExecutionCommand).callsFake((i: { name: string }) => ({
    executionArn: `arn:aws:states:eu-west-1:123456789012:execution:m:${i.name}`,
  }));
  sfn.on(StopExecutionCommand).resolves({});
});

describe('functions/api handler', () => {
  test('POST /runs with a bad input: 400 naming it, and no Step Functions call', async () => {
    const res = await call('POST', '/runs', {
      repo: REPO,
      pipeline: 'deploy',
      branch: 'main',
      inputs: { target: 'moon' },
    });
    assert.equal(res.statusCode, 400);
    const body = JSON.parse(String(res.body));
    assert.equal(body.kind, 'invalid');
    assert.match(body.error, /target/);
    assert.deepEqual(
      body.problems.map((p: { at: unknown }) => p.at),
      [{ input: 'target' }],
    );
    assert.equal(sfn.calls().length, 0);
  });

  test('POST /runs starts the pipeline with typed inputs, the caller as actor; then cancel stops it', async () => {
    const res = await call(
      'POST',
      '/runs',
      { repo: REPO, pipeline: 'deploy', branch: 'main', inputs: { target: 'prod' } },
      'req-2',
    );
    assert.equal(res.statusCode, 202, String(res.body));
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!);
    assert.deepEqual(
      [input.run.event, input.run.sha, input.run.actor, input.run.inputs],
      ['manual', SHA, 'arn:aws:iam::1:user/alice', { target: 'prod' }],
    );
    await local.store.transitionRun(input.run.id, 'running', {
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:m:${input.run.id}`,
    });
    const cancel = await call('POST', `/runs/${input.run.id}/cancel`, {});
    assert.equal(cancel.statusCode, 200, String(cancel.body));
    assert.equal(
      sfn.commandCalls(StopExecutionCommand)[0]!.args[0].input.executionArn,
      `arn:aws:states:eu-west-1:123456789012:execution:m:${input.run.id}`,
    );
    await local.store.transitionRun(input.run.id, 'cancelled');
    const again = await call('POST', `/runs/${input.run.id}/cancel`, {});
    assert.equal(again.statusCode, 409);
    assert.deepEqual(JSON.parse(String(again.body)), {
      error: `run ${input.run.id} already cancelled`,
      kind: 'conflict',
      reason: 'ended',
    });
  });

  test('cancel of a run waiting in its concurrency group ends it (no execution to stop), frees its place, posts its status', async () => {
    const start = (requestId: string) =>
      call('POST', '/runs', { repo: REPO, pipeline: 'queue', branch: 'main' }, requestId);
    const first = JSON.parse(String((await start('q-1')).body)).runs[0];
    const second = JSON.parse(String((await start('q-2')).body)).runs[0];
    const waiting = (await local.store.getRun(second.runId))!.run;
    assert.deepEqual([waiting.status, waiting.waitingFor], ['queued', first.runId]);
    assert.equal((await local.store.readGroup(REPO, 'queue-main')).waiting, second.runId);
    const res = await call('POST', `/runs/${second.runId}/cancel`, {});
    assert.equal(res.statusCode, 200, String(res.body));
    assert.deepEqual(JSON.parse(String(res.body)), { message: `cancelled run ${second.runId} (it had not started)` });
    const ended = (await local.store.getRun(second.runId))!.run;
    assert.deepEqual(
      [ended.status, ended.reason],
      ['cancelled', 'cancelled by arn:aws:iam::1:user/alice while waiting'],
    );
    assert.deepEqual(await local.store.readGroup(REPO, 'queue-main'), {
      holder: first.runId,
      holderKey: `${(await local.store.getRun(first.runId))!.run.createdAt}#${first.runId}`,
    });
    assert.deepEqual(github.statuses.at(-1), {
      state: 'error',
      context: 'sci/queue',
      description: 'cancelled: cancelled by arn:aws:iam::1:user/alice while waiting',
    });
    assert.equal(sfn.commandCalls(StopExecutionCommand).length, 0);
    assert.equal(sfn.commandCalls(StartExecutionCommand).length, 1, 'only the first run started');
    const again = await call('POST', `/runs/${second.runId}/cancel`, {});
    assert.equal(JSON.parse(String(again.body)).reason, 'ended');
  });

  test('approving a step of no run is 404 (not found); unknown routes 404; GET 405; bad JSON 400', async () => {
    const missing = await call('POST', '/runs/NOPE/steps/gate/approve', {});
    assert.equal(missing.statusCode, 404);
    assert.equal(JSON.parse(String(missing.body)).kind, 'not-found');
    assert.equal((await call('POST', '/nowhere', {})).statusCode, 404);
    assert.equal((await call('GET', '/runs', {})).statusCode, 405);
    const bad = await api(
      {
        rawPath: '/runs',
        body: '{',
        isBase64Encoded: false,
        headers: {},
        requestContext: { http: { method: 'POST' } },
      } as unknown as APIGatewayProxyEventV2,
      { awsRequestId: 'x' } as Context,
    );
    assert.equal(bad.statusCode, 400);
  });
});

describe('functions/api environments', () => {
  /** A release as the compiled state machine records it (statemachines/compiler/environment.ts). */
  const release = async (run: string, at: string, status: string) => {
    await local.store.createRun(
      {
        id: run,
        repo: REPO,
        pipeline: 'ship',
        status: 'succeeded',
        event: 'push',
        sha: SHA,
        ref: 'refs/heads/main',
        branch: 'main',
        tag: '',
        actor: 'octocat',
        inputs: {},
        createdAt: at,
      },
      [],
    );
    await local.documentClient.send(
      new PutCommand({
        TableName: local.tableName,
        Item: {
          pk: 'ENV#production',
          sk: `REL#${at}#${run}`,
          environment: 'production',
          pipeline: 'ship',
          run,
          sha: SHA,
          branch: 'main',
          step: 'deploy',
          at,
          status,
          outputs: { build: { version: run === 'REL1' ? '1.0.0' : '1.1.0' } },
        },
      }),
    );
  };

  test('rollback re-releases the previous successful release: only the releasing step, its outputs given', async () => {
    await release('REL1', '2026-11-28T10:00:00.000Z', 'succeeded');
    await release('REL2', '2026-11-28T11:00:00.000Z', 'succeeded');
    const res = await call('POST', '/environments/production/rollback', {}, 'req-rb');
    assert.equal(res.statusCode, 202, String(res.body));
    assert.match(JSON.parse(String(res.body)).message, /\(run REL1\) to production/);
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!);
    assert.deepEqual(
      [input.run.event, input.run.sha, input.run.actor, input.run.released],
      ['manual', SHA, 'arn:aws:iam::1:user/alice', { build: { outputs: { version: '1.0.0' } } }],
    );
    assert.deepEqual(
      (await local.store.getRun(input.run.id))!.steps.map((step) => step.key),
      ['deploy'],
    );
    const promote = await call('POST', '/environments/production/promote', { to: 'staging' }, 'req-pr');
    assert.equal(promote.statusCode, 404);
    assert.match(String(promote.body), /no pipeline has a step with environment: staging/);
    assert.equal((await call('POST', '/environments/production/promote', {})).statusCode, 400);
    const none = await call('POST', '/environments/qa/rollback', {});
    assert.deepEqual(JSON.parse(String(none.body)), {
      error: 'environment qa has no earlier successful release',
      kind: 'not-found',
    });
    assert.equal(none.statusCode, 404);
  });
});

describe('functions/scheduled handler', () => {
  test('a firing starts the scheduled pipeline at the branch head, once per scheduler invocation', async () => {
    const event = {
      repo: REPO,
      pipeline: 'release',
      branch: 'main',
      cron: '0 3 * * 1-5',
      invocation: 'inv-1',
      scheduledTime: '2026-11-27T03:00:00Z',
    };
    assert.equal((await scheduled(event)).ok, true);
    assert.equal((await scheduled(event)).ok, true);
    const runs = await local.store.listRuns({ repo: REPO, pipeline: 'release' });
    assert.equal(runs.length, 1);
    assert.deepEqual([runs[0]!.event, runs[0]!.sha, runs[0]!.branch], ['schedule', SHA, 'main']);
  });
});
