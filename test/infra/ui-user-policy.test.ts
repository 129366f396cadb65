/**
 * The identity policy docs/dashboard.md hands `sci ui --stack` users, judged by a policy evaluator
 * (@cloud-copilot/iam-simulate) against the calls the dashboard really makes: the DynamoDB
 * operations recorded (with their index) while the dashboard's reads run on a dynalite store, and
 * the CloudFormation, CodeBuild and CloudWatch Logs commands the adapters send (read from their
 * source), each on the resource it names; then a write it must not allow.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localClient, startDynalite, ensureTable } from '../../local/store/dynalite.ts';
import { homeView, pipelineRuns } from '../../src/core/dashboard.ts';
import { environmentEntries } from '../../src/dashboard/environment-list.ts';
import { DynamoRunStore } from '../../src/store/dynamo-run-store.ts';
import { environmentTable } from '../../src/store/environments.ts';
import { aRun, someSteps } from '../store/records.ts';
import { ACCOUNT, decide, notAllowed, type PolicyDocument, REGION, type Request } from './iam-judge.ts';

const STACK = 'ServerlessCi';
const TABLE = `${STACK}-CiStorageRunsB2DC0221-1X2Y3Z4W5V6U`;
const PROJECT = 'CiBuildProject5D6A2C7F-AbCdEf123456';
const FUNCTION = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${STACK}-CiFunctionsApiFunction-Q1W2E3R4`;
/** CloudFormation names a log group it creates `<stack>-<logical id>-<suffix>`. */
const LOG_GROUP = `${STACK}-CiBuildLogs3F1C2B7D-Zx9Yw8Vu7Ts6`;

function documentedPolicy(): PolicyDocument {
  const markdown = readFileSync(new URL('../../docs/dashboard.md', import.meta.url), 'utf8');
  const block = /```json ui-user-policy\n([\s\S]*?)```/.exec(markdown);
  assert.ok(block, 'docs/dashboard.md has a ```json ui-user-policy block');
  return JSON.parse(
    block[1]!
      .replaceAll('<region>', REGION)
      .replaceAll('<account>', ACCOUNT)
      .replaceAll('<stack>', STACK)
      .replaceAll('<TableName>', TABLE)
      .replaceAll('<BuildProjectName>', PROJECT)
      .replaceAll('<ApiFunctionArn>', FUNCTION),
  ) as PolicyDocument;
}

/** `new XCommand(` in an adapter's source: the operations it can send. */
function commandsIn(file: string): string[] {
  const source = readFileSync(new URL(`../../src/aws/${file}`, import.meta.url), 'utf8');
  return [...source.matchAll(/new (\w+)Command\(/g)].map((m) => m[1]!);
}

let dynalite: Awaited<ReturnType<typeof startDynalite>>;
const dynamoCalls = new Set<string>();

before(async () => {
  dynalite = await startDynalite();
  const client = localClient(() => dynalite.endpoint);
  await ensureTable(client, TABLE);
  const store = new DynamoRunStore(DynamoDBDocumentClient.from(client), TABLE);
  await store.createRun(aRun({ id: 'R1', pipeline: 'deploy/prod' }), someSteps('R1', 2));
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { IndexName?: string };
      dynamoCalls.add(`${context.commandName?.replace(/Command$/, '')} ${input.IndexName ?? ''}`.trim());
      return next(args);
    },
    { step: 'initialize', name: 'recordOperations' },
  );
  // every read the dashboard makes: home, a pipeline page (filtered too), a run, the environments
  await homeView(store);
  const page = await pipelineRuns(store, { repo: 'octo/app', pipeline: 'deploy/prod', limit: 1 });
  await pipelineRuns(store, { repo: 'octo/app', pipeline: 'deploy/prod', filter: { status: 'failed' } });
  if (page.next) await pipelineRuns(store, { repo: 'octo/app', pipeline: 'deploy/prod', after: page.next });
  await store.getRun('R1');
  await environmentEntries(environmentTable(client, TABLE));
  client.destroy();
});

after(() => dynalite?.close());

/** Each call of the dashboard as an IAM request on its resource. */
function dashboardRequests(): Request[] {
  const table = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE}`;
  const dynamo = [...dynamoCalls].map((call) => {
    const [operation, index] = call.split(' ');
    return { action: `dynamodb:${operation}`, resource: index ? `${table}/index/${index}` : table };
  });
  const others = [
    ...commandsIn('stack-outputs.ts').map((op) => ({
      action: `cloudformation:${op}`,
      resource: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${STACK}/0a1b2c3d-4e5f-6789-abcd-ef0123456789`,
    })),
    ...commandsIn('build-logs.ts').map((op) =>
      op === 'BatchGetBuilds'
        ? { action: `codebuild:${op}`, resource: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/${PROJECT}` }
        : {
            action: `logs:${op}`,
            resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${LOG_GROUP}:log-stream:0d3b7e1c-1111-4a2b-9c3d-000000000001`,
          },
    ),
    {
      action: 'lambda:InvokeFunctionUrl',
      resource: FUNCTION,
      context: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' },
    },
    { action: 'lambda:InvokeFunction', resource: FUNCTION, context: { 'lambda:InvokedViaFunctionUrl': 'true' } },
  ];
  return [...dynamo, ...others];
}

test('the dashboard reads the table with Query (and GetItem) only, on the table and its indexes', () => {
  assert.ok(dynamoCalls.size > 0);
  for (const call of dynamoCalls) assert.match(call, /^(Query|GetItem)( gsi\d)?$/);
});

test('the documented policy allows every call sci ui --stack makes', async () => {
  const requests = dashboardRequests();
  assert.deepEqual([...new Set(requests.map((r) => r.action.split(':')[0]))].sort(), [
    'cloudformation',
    'codebuild',
    'dynamodb',
    'lambda',
    'logs',
  ]);
  assert.deepEqual(await notAllowed([documentedPolicy()], requests), []);
});

test('the documented policy is read-only on the table and reaches no other stack', async () => {
  const policy = [documentedPolicy()];
  const table = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE}`;
  for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan'])
    assert.notEqual(await decide(policy, { action, resource: table }), 'Allowed', action);
  assert.notEqual(
    await decide(policy, {
      action: 'cloudformation:DescribeStacks',
      resource: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/Other/0a1b2c3d-4e5f-6789-abcd-ef0123456789`,
    }),
    'Allowed',
  );
  assert.notEqual(
    await decide(policy, {
      action: 'lambda:InvokeFunction',
      resource: FUNCTION,
      context: { 'lambda:InvokedViaFunctionUrl': 'false' },
    }),
    'Allowed',
  );
});
