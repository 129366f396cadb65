/**
 * `sci ui --stack` end to end on this machine, each AWS side judged by something we did not write:
 * - the runs: a real dynalite holding a table created from the template the stack synthesizes
 *   (the infra snapshot), written by the run store and the reporter as the Lambdas write it;
 * - CloudFormation, CodeBuild and CloudWatch Logs: aws-sdk-client-mock, every call judged by the
 *   SDK's own API model;
 * - the actions: a real HTTP server standing for the function URL that checks each request's
 *   SigV4 signature by signing it again with @smithy/signature-v4 (service `lambda`), then runs the
 *   API Lambda's own handler on it (Step Functions mocked).
 * The dashboard is served over HTTP on loopback, as `sci ui --stack` serves it.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { BatchGetBuildsCommand, CodeBuildClient } from '@aws-sdk/client-codebuild';
import { CreateTableCommand, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RedriveExecutionCommand, SendTaskSuccessCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { localClient, startDynalite } from '../../local/store/dynalite.ts';
import { SignedApi } from '../../src/aws/signed-api.ts';
import { openStackSession, type StackSession, StackSessionError } from '../../src/aws/stack-session.ts';
import { onBuildState } from '../../src/core/report.ts';
import { stackActions, stackDashboard } from '../../src/dashboard/stack-dashboard.ts';
import { createServeServer, listen } from '../../src/serve/http.ts';
import { DynamoRunStore } from '../../src/store/dynamo-run-store.ts';
import { judgeSdkCalls } from '../aws/sdk-judge.ts';
import { aRun, someSteps } from '../store/records.ts';
import { launchBrowser } from './browser.ts';

const REGION = 'eu-west-1';
const KEY = { accessKeyId: 'AKIDSCIUITEST', secretAccessKey: 'the-user-secret' };
const ALICE = 'arn:aws:iam::123456789012:user/alice';
const BUILD = 'arn:aws:codebuild:eu-west-1:123456789012:build/sci-steps:0d3b7e1c-1111-4a2b-9c3d-000000000001';
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:sci-ci:R2';
const FAILED_EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:sci-ci:F1';

const cloudformation = mockClient(CloudFormationClient);
const codebuild = mockClient(CodeBuildClient);
const logs = mockClient(CloudWatchLogsClient);
const sfn = mockClient(SFNClient);
judgeSdkCalls({ cloudformation, codebuild, logs, sfn });

/** The run table exactly as the synthesized stack declares it (its GlobalTable resource). */
function tableFromTemplate(name: string): CreateTableCommandInput {
  const template = JSON.parse(
    readFileSync(new URL('../infra/__snapshots__/serverless-ci.template.json', import.meta.url), 'utf8'),
  ) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  const tables = Object.values(template.Resources).filter((r) => r.Type === 'AWS::DynamoDB::GlobalTable');
  assert.equal(tables.length, 1);
  const p = tables[0]!.Properties as Required<
    Pick<CreateTableCommandInput, 'KeySchema' | 'AttributeDefinitions' | 'GlobalSecondaryIndexes' | 'BillingMode'>
  >;
  return {
    TableName: name,
    BillingMode: p.BillingMode,
    KeySchema: p.KeySchema,
    AttributeDefinitions: p.AttributeDefinitions,
    GlobalSecondaryIndexes: (p.GlobalSecondaryIndexes ?? []).map(({ IndexName, KeySchema, Projection }) => ({
      IndexName,
      KeySchema,
      Projection,
    })),
  };
}

/** What a function URL with AWS_IAM auth checks, as far as a signature goes; then the api handler. */
interface FunctionUrl {
  url: string;
  requests: Array<{ path: string; body: string; signed: boolean }>;
  close(): Promise<void>;
}

const readAll = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

async function functionUrl(
  handler: (e: APIGatewayProxyEventV2, c: Context) => Promise<APIGatewayProxyStructuredResultV2>,
): Promise<FunctionUrl> {
  const requests: FunctionUrl['requests'] = [];
  const server: Server = createServer(async (req, res) => {
    const body = await readAll(req);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const signed = await signatureHolds(req, path, body);
    requests.push({ path, body, signed });
    if (!signed) {
      res.writeHead(403, { 'content-type': 'application/json' }).end('{"Message":"Forbidden"}');
      return;
    }
    const result = await handler(
      {
        rawPath: path,
        body,
        isBase64Encoded: false,
        headers: {},
        requestContext: { http: { method: req.method }, authorizer: { iam: { userArn: ALICE } } },
      } as unknown as APIGatewayProxyEventV2,
      { awsRequestId: `req-${requests.length}` } as Context,
    );
    res.writeHead(result.statusCode ?? 200, { 'content-type': 'application/json' }).end(result.body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** Signs the request again from what arrived, with the key the scope names, and compares. */
async function signatureHolds(req: IncomingMessage, path: string, body: string): Promise<boolean> {
  const auth = String(req.headers.authorization ?? '');
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m || m[1] !== KEY.accessKeyId || m[3] !== REGION || m[4] !== 'lambda') return false;
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const signingDate = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  const headers = Object.fromEntries(m[5]!.split(';').map((name) => [name, String(req.headers[name] ?? '')]));
  const host = String(req.headers.host);
  const again = await new SignatureV4({ service: 'lambda', region: REGION, credentials: KEY, sha256: Sha256 }).sign(
    {
      method: req.method ?? 'POST',
      protocol: 'http:',
      hostname: host.replace(/:\d+$/, ''),
      port: Number(host.split(':')[1]),
      path,
      query: {},
      headers,
      body,
    },
    { signingDate },
  );
  return again.headers.authorization === auth;
}

let dynalite: Awaited<ReturnType<typeof startDynalite>>;
let raw: DynamoDBClient;
let writer: DynamoRunStore;
let api: FunctionUrl;
let session: StackSession;
let dashboard: Server;
let base: string;
const TABLE = 'ServerlessCi-CiStorageRuns-TEST';
const savedEnv = { ...process.env };

before(async () => {
  dynalite = await startDynalite();
  // the fixture's writes (the seed, the steps the tests move) take the in-process path to this process's dynalite
  // (local/store/in-process.ts: the SDK's requests, dynalite's handler, no HTTP round trip; ≈ 0.4 s of CPU less for
  // the seed); what the dashboard and the API handler read and write still goes over HTTP
  raw = localClient(() => dynalite.endpoint, { inProcess: () => dynalite.inProcess });
  await raw.send(new CreateTableCommand(tableFromTemplate(TABLE)));
  writer = new DynamoRunStore(DynamoDBDocumentClient.from(raw), TABLE);
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: KEY.accessKeyId,
    AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey,
    // the SDK's own per-service endpoint setting: the user's and the Lambda's DynamoDB are the dynalite
    AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
    TABLE_NAME: TABLE,
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  const { handler } = (await import('../../functions/api.ts')) as unknown as {
    handler: (e: APIGatewayProxyEventV2, c: Context) => Promise<APIGatewayProxyStructuredResultV2>;
  };
  api = await functionUrl(handler);
  await seed();
});

after(async () => {
  dashboard?.close();
  dashboard?.closeAllConnections();
  session?.close();
  await api?.close();
  raw?.destroy();
  await dynalite?.close();
  process.env = savedEnv;
});

beforeEach(() => {
  for (const mock of [cloudformation, codebuild, logs, sfn]) mock.reset();
  cloudformation.on(DescribeStacksCommand, { StackName: 'ServerlessCi' }).resolves({
    Stacks: [
      {
        StackName: 'ServerlessCi',
        CreationTime: new Date('2026-11-01T00:00:00Z'),
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: [
          { OutputKey: 'TableName', OutputValue: TABLE },
          { OutputKey: 'ApiUrl', OutputValue: api.url },
          { OutputKey: 'BuildProjectName', OutputValue: 'sci-steps' },
        ],
      },
    ],
  });
});

const at = (i: number) => new Date(Date.UTC(2026, 10, 29, 1, 0, i)).toISOString();

/** Runs as the dispatcher and reporter write them: a folder of pipelines, a running build, a waiting approval. */
async function seed() {
  for (let i = 0; i < 30; i++) {
    const id = `R${String(i).padStart(3, '0')}`;
    await writer.createRun(aRun({ id, createdAt: at(i), status: 'succeeded' }), someSteps(id, 1));
  }
  await writer.createRun(
    aRun({ id: 'D1', pipeline: 'deploy/eu/prod', createdAt: at(40), status: 'running', executionArn: EXECUTION }),
    [
      { ...someSteps('D1', 1)[0]!, key: 'build', name: 'build' },
      { ...someSteps('D1', 2, 'approval')[1]!, key: 'gate', name: 'gate', needs: ['build'] },
    ],
  );
  await writer.createRun(
    aRun({ id: 'F1', pipeline: 'deploy/eu/prod', createdAt: at(35), status: 'failed', executionArn: FAILED_EXECUTION }),
    [{ ...someSteps('F1', 1)[0]!, key: 'build', name: 'build', status: 'failed' }],
  );
  // CodeBuild's "Build State Change" IN_PROGRESS event, through the reporter's use case
  await onBuildState(
    { store: writer, clock: { now: () => new Date(at(41)) } },
    {
      'build-status': 'IN_PROGRESS',
      'build-id': BUILD,
      'additional-information': {
        environment: {
          'environment-variables': [
            { name: 'SCI_RUN_ID', value: 'D1' },
            { name: 'SCI_STEP_KEY', value: 'build' },
          ],
        },
      },
    },
  );
  // what the approval task of the state machine writes
  await DynamoDBDocumentClient.from(raw).send(
    new UpdateCommand({
      TableName: TABLE,
      Key: { pk: 'RUN#D1', sk: 'STEP#gate' },
      UpdateExpression: 'SET #s = :w, taskToken = :t',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':w': 'waiting', ':t': 'token-123' },
    }),
  );
}

async function serveDashboard() {
  session = await openStackSession({ stack: 'ServerlessCi' });
  dashboard = createServeServer({ dashboard: stackDashboard({ ...session, pollMs: 20 }) });
  base = `http://127.0.0.1:${await listen(dashboard, 0)}`;
}

const getJson = async (path: string) => {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const post = async (path: string) => {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'x-sci-ui': '1' }, body: '{}' });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

/** The SSE events of a stream until `end` (or the stream closes). */
async function sseEvents(path: string): Promise<Array<{ event: string; data: unknown }>> {
  const res = await fetch(`${base}${path}`);
  const text = await res.text();
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? '';
      return { event, data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') };
    });
}

describe('sci ui --stack', () => {
  test('resolves the stack, then home and pipeline pages read its table with O(page) queries', async () => {
    await serveDashboard();
    assert.deepEqual(
      cloudformation.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input),
      [{ StackName: 'ServerlessCi' }],
    );
    const home = await getJson('/api/home');
    assert.equal(home.status, 200);
    assert.equal(home.body.title, `ServerlessCi (${REGION})`);
    const repo = (home.body.repos as Array<{ repo: string; root: Record<string, never> }>)[0]!;
    assert.equal(repo.repo, 'octo/app');
    const root = repo.root as unknown as {
      pipelines: Array<{ pipeline: string; recent: Array<{ id: string }> }>;
      folders: Array<{ path: string; folders: Array<{ path: string; pipelines: Array<{ pipeline: string }> }> }>;
    };
    assert.deepEqual(
      root.pipelines[0]!.recent.map((r) => r.id),
      ['R029', 'R028', 'R027', 'R026', 'R025'],
    );
    assert.equal(root.folders[0]!.folders[0]!.pipelines[0]!.pipeline, 'deploy/eu/prod');
    const first = await getJson('/api/pipeline?repo=octo/app&id=ci');
    const runs = first.body.runs as Array<{ id: string }>;
    assert.equal(runs.length, 25);
    assert.equal(runs[0]!.id, 'R029');
    const next = await getJson(
      `/api/pipeline?repo=octo/app&id=ci&after=${encodeURIComponent(String(first.body.next))}`,
    );
    assert.deepEqual(
      (next.body.runs as Array<{ id: string }>).map((r) => r.id),
      ['R004', 'R003', 'R002', 'R001', 'R000'],
    );
    const run = await getJson('/api/runs/D1');
    assert.equal((run.body.run as { status: string }).status, 'running');
    assert.match(String((run.body.links as { execution?: string }).execution), /^https:\/\/eu-west-1\.console\.aws/);
    const build = (run.body.steps as Array<{ key: string; buildId?: string; attempts: number }>).find(
      (s) => s.key === 'build',
    )!;
    assert.deepEqual([build.buildId, build.attempts], [BUILD, 1]);
    assert.equal(
      (run.body.links as { builds?: Record<string, string> }).builds?.build,
      `https://eu-west-1.console.aws.amazon.com/codesuite/codebuild/projects/sci-steps/build/sci-steps%3A${BUILD.split(':').at(-1)}?region=eu-west-1`,
    );
  });

  test('in a real browser, the run page links a step to its build in the CodeBuild console', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.page();
      await page.goto(`${base}/runs/D1`);
      const link = page.getByRole('link', { name: 'CodeBuild build of build' });
      await link.waitFor();
      assert.equal(
        await link.getAttribute('href'),
        `https://eu-west-1.console.aws.amazon.com/codesuite/codebuild/projects/sci-steps/build/sci-steps%3A${BUILD.split(':').at(-1)}?region=eu-west-1`,
      );
      assert.deepEqual([await link.textContent(), await link.getAttribute('target')], ['build', '_blank']);
      // a step without a build (the approval) has no link
      assert.equal(await page.locator('a.build-link').count(), 1);
      const execution = page.getByRole('link', { name: /Step Functions/ });
      assert.match(String(await execution.getAttribute('href')), new RegExp(`#/v2/executions/details/${EXECUTION}$`));
      await page.close();
      assert.deepEqual(browser.errors, []);
    } finally {
      await browser.close();
    }
  });

  test("a step's log is its build's CloudWatch stream, tailed with the next token until the step ends", async () => {
    codebuild.on(BatchGetBuildsCommand).resolves({
      builds: [
        {
          id: 'sci-steps:0d3b7e1c-1111-4a2b-9c3d-000000000001',
          logs: { groupName: '/sci/builds', streamName: '0d3b7e1c-1111-4a2b-9c3d-000000000001' },
        },
      ],
    });
    let pages = 0;
    logs.on(GetLogEventsCommand).callsFake(async (input: { nextToken?: string }) => {
      pages += 1;
      if (!input.nextToken)
        return {
          events: [
            { timestamp: 1, message: '[Container] 2026/11/29 01:00:41 Running command npm test\n' },
            { timestamp: 2, message: 'token=***' },
          ],
          nextForwardToken: 'f/1',
        };
      if (input.nextToken === 'f/1' && pages >= 3) {
        // the build ends while the panel tails it
        await writer.transitionStep('D1', 'build', 'succeeded', { endedAt: at(50) });
        return { events: [{ timestamp: 3, message: 'ok 12 tests\n' }], nextForwardToken: 'f/2' };
      }
      return { events: [], nextForwardToken: input.nextToken };
    });
    const events = await sseEvents('/api/runs/D1/steps/build/log');
    assert.equal(
      events
        .filter((e) => e.event === 'log')
        .map((e) => e.data)
        .join(''),
      '[Container] 2026/11/29 01:00:41 Running command npm test\ntoken=***\nok 12 tests\n',
    );
    assert.deepEqual(events.at(-1), { event: 'end', data: { status: 'succeeded' } });
    assert.deepEqual(
      codebuild.commandCalls(BatchGetBuildsCommand).map((c) => c.args[0].input),
      [{ ids: ['sci-steps:0d3b7e1c-1111-4a2b-9c3d-000000000001'] }],
      'located once, by the build id (not its ARN)',
    );
    const tokens = logs.commandCalls(GetLogEventsCommand).map((c) => c.args[0].input);
    assert.ok(tokens.every((i) => i.logGroupName === '/sci/builds' && i.startFromHead === true));
    assert.deepEqual(
      tokens.slice(0, 2).map((i) => i.nextToken),
      [undefined, 'f/1'],
    );
  });

  test('approve in the page is a signed call to the API, whose handler records the signer and answers the token', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    const answer = await post('/api/runs/D1/steps/gate/approve');
    assert.deepEqual(answer, { status: 200, body: { message: answer.body.message } });
    const call = api.requests.at(-1)!;
    assert.deepEqual([call.path, call.body, call.signed], ['/runs/D1/steps/gate/approve', '{}', true]);
    assert.equal(sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input.taskToken, 'token-123');
    const gate = (await writer.getRun('D1'))!.steps.find((s) => s.key === 'gate')!;
    assert.deepEqual([gate.decision, gate.decidedBy], ['approved', ALICE]);
  });

  test('cancel goes the same way; the API refusing a signature becomes a message naming the permissions', async () => {
    sfn.on(StopExecutionCommand).resolves({});
    const cancelled = await post('/api/runs/D1/cancel');
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(sfn.commandCalls(StopExecutionCommand)[0]!.args[0].input.executionArn, EXECUTION);
    const stranger = stackActions(
      new SignedApi({ url: api.url, region: REGION, credentials: async () => ({ ...KEY, secretAccessKey: 'wrong' }) }),
    );
    const refused = await stranger.cancel('D1', 'x');
    assert.equal(api.requests.at(-1)!.signed, false);
    assert.ok(!refused.ok);
    assert.equal(refused.error.kind, 'unavailable');
    assert.match(refused.error.message, /403.*lambda:InvokeFunctionUrl and lambda:InvokeFunction/);
  });

  test('redrive in the page is a signed call to the API, whose handler calls RedriveExecution on the run', async () => {
    sfn.on(RedriveExecutionCommand).resolves({ redriveDate: new Date(at(60)) });
    const redriven = await post('/api/runs/F1/redrive');
    assert.deepEqual(redriven, { status: 200, body: { message: 'redriving run F1 (attempt 2)' } });
    assert.deepEqual([api.requests.at(-1)!.path, api.requests.at(-1)!.signed], ['/runs/F1/redrive', true]);
    assert.deepEqual(
      sfn.commandCalls(RedriveExecutionCommand).map((c) => c.args[0].input),
      [{ executionArn: FAILED_EXECUTION }],
    );
    // the reporter reopens the run when the redriven execution reports (test/core/report-dynalite.test.ts)
    assert.equal((await writer.getRun('F1'))!.run.status, 'failed');
    const running = await post('/api/runs/D1/redrive');
    assert.equal(running.status, 409);
    assert.deepEqual([running.body.kind, running.body.reason], ['conflict', 'not-redrivable']);
    assert.equal(sfn.commandCalls(RedriveExecutionCommand).length, 1, 'a running run is refused before Step Functions');
  });

  test('rollback and promote in the page go signed to the environments routes the API handler serves', async () => {
    const rollback = await post('/api/environments/production/rollback');
    // the API's failure (not found) reaches the page as it is
    assert.deepEqual(rollback, {
      status: 404,
      body: { error: 'environment production has no earlier successful release', kind: 'not-found' },
    });
    const promote = await post('/api/environments/staging/promote?to=production');
    assert.deepEqual(promote, {
      status: 404,
      body: { error: 'environment staging has no release', kind: 'not-found' },
    });
    assert.deepEqual(
      api.requests.slice(-2).map((r) => [r.path, r.body, r.signed]),
      [
        ['/environments/production/rollback', '{}', true],
        ['/environments/staging/promote', '{"to":"production"}', true],
      ],
    );
  });

  test('a missing stack, or one without the outputs, is a clear error', async () => {
    cloudformation
      .on(DescribeStacksCommand, { StackName: 'Nope' })
      .rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    await assert.rejects(
      openStackSession({ stack: 'Nope' }),
      (e: Error) =>
        e instanceof StackSessionError &&
        e.message === `no stack Nope in ${REGION} (pass the right --stack and --region)`,
    );
    cloudformation.on(DescribeStacksCommand, { StackName: 'Old' }).resolves({
      Stacks: [{ StackName: 'Old', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }],
    });
    await assert.rejects(
      openStackSession({ stack: 'Old', region: 'us-west-2' }),
      /Old has no output TableName, ApiUrl/,
    );
  });
});
