/**
 * Judge: aws-cdk-lib's own aws-stepfunctions-tasks constructs. For every task resource the compiler
 * emits (statemachines/asl/types.ts RESOURCES), the equivalent CDK task is synthesized into a state
 * machine, and every action on every resource that CDK grants its role must be allowed by our
 * execution role, as decided by a real policy evaluator. CDK's tasks must also render the very
 * resource ARN we emit, so the pairing below cannot drift.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Project } from 'aws-cdk-lib/aws-codebuild';
import { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Role } from 'aws-cdk-lib/aws-iam';
import {
  DefinitionBody,
  IntegrationPattern,
  JsonPath,
  StateMachine,
  TaskInput,
  type TaskStateBase,
} from 'aws-cdk-lib/aws-stepfunctions';
import {
  CallAwsService,
  CodeBuildStartBuild,
  DynamoAttributeValue,
  DynamoGetItem,
  DynamoUpdateItem,
  StepFunctionsStartExecution,
} from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { ExecutionRole, SYNC_RULES } from '../../infra/constructs/execution-role.ts';
import { RESOURCES } from '../../statemachines/asl/types.ts';
import {
  ACCOUNT,
  decide,
  evaluate,
  notAllowed,
  type PolicyDocument,
  REGION,
  type Request,
  sampleOf,
  type Statement,
} from './iam-judge.ts';
import { judgeApp } from './judge-app.ts';

const app = judgeApp();
const stack = new Stack(app, 'Judge', { env: { account: ACCOUNT, region: REGION } });
const PROJECT_ARN = `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/SciSteps`;
const TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/SciRuns`;
/** A pipeline state machine the dispatcher would create (`sci-<repo hash>-<pipeline>`). */
const CHILD_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:sci-0a1b2c3d-deploy`;
const table = TableV2.fromTableArn(stack, 'Table', TABLE_ARN);
const project = Project.fromProjectArn(stack, 'Project', PROJECT_ARN);
const BUILD_ROLES = [`arn:aws:iam::${ACCOUNT}:role/SciStepsRole`, `arn:aws:iam::${ACCOUNT}:role/SciUntrustedStepsRole`];
new ExecutionRole(stack, 'Ours', {
  table,
  projectArn: PROJECT_ARN,
  buildRoles: BUILD_ROLES.map((arn, i) => Role.fromRoleArn(stack, `BuildRole${i}`, arn)),
});

type ResourceKey = keyof typeof RESOURCES;

/** aws-cdk-lib's equivalent of each task resource we emit. */
const CDK_EQUIVALENTS: Record<ResourceKey, (id: string) => TaskStateBase> = {
  startBuild: (id) => new CodeBuildStartBuild(stack, id, { project, integrationPattern: IntegrationPattern.RUN_JOB }),
  updateItem: (id) => new DynamoUpdateItem(stack, id, { table, key: { pk: DynamoAttributeValue.fromString('RUN#1') } }),
  getItem: (id) => new DynamoGetItem(stack, id, { table, key: { pk: DynamoAttributeValue.fromString('RUN#1') } }),
  updateItemWaitForToken: (id) =>
    new CallAwsService(stack, id, {
      service: 'dynamodb',
      action: 'updateItem',
      iamResources: [table.tableArn],
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      parameters: { TableName: 'SciRuns', ExpressionAttributeValues: { ':token': { S: JsonPath.taskToken } } },
    }),
  // Gate releases answer task tokens of the same pipeline's executions; the CDK task needs us to
  // say the resource, and the evaluator checks it is of a type SendTaskSuccess accepts.
  sendTaskSuccess: (id) =>
    new CallAwsService(stack, id, { service: 'sfn', action: 'sendTaskSuccess', iamResources: [CHILD_ARN] }),
  startExecution: (id) =>
    new StepFunctionsStartExecution(stack, id, {
      stateMachine: StateMachine.fromStateMachineArn(stack, `${id}Child`, CHILD_ARN),
      integrationPattern: IntegrationPattern.RUN_JOB,
      input: TaskInput.fromObject({}),
    }),
};

const tasks = Object.fromEntries(
  (Object.keys(RESOURCES) as ResourceKey[]).map((key) => {
    const task = CDK_EQUIVALENTS[key](`Cdk${key}`);
    new StateMachine(stack, `Machine${key}`, { definitionBody: DefinitionBody.fromChainable(task) });
    return [key, task];
  }),
) as Record<ResourceKey, TaskStateBase>;
const template = Template.fromStack(stack);

/** The statements CDK granted the role of the state machine `Machine<key>`. */
function cdkStatements(key: ResourceKey): Statement[] {
  const roleId = Object.keys(template.findResources('AWS::IAM::Role')).find((id) =>
    id.startsWith(`Machine${key}Role`),
  )!;
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((p) => evaluate(p.Properties.PolicyDocument.Statement) as Statement[]);
}

/** Our execution role's policies, evaluated. */
function ourPolicies(): PolicyDocument[] {
  const roleId = Object.keys(template.findResources('AWS::IAM::Role')).find((id) => id.startsWith('OursRole'))!;
  const role = template.findResources('AWS::IAM::Role')[roleId]!;
  return (role.Properties.Policies as Array<{ PolicyDocument: unknown }>).map(
    (p) => evaluate(p.PolicyDocument) as PolicyDocument,
  );
}

/** Every (action, concrete resource) pair an Allow statement grants. */
function requestsOf(statements: Statement[]): Request[] {
  return statements
    .filter((s) => s.Effect === 'Allow' && !s.Condition)
    .flatMap((s) =>
      [s.Action]
        .flat()
        .flatMap((action) =>
          [s.Resource].flat().map((resource) => ({ action: action as string, resource: sampleOf(resource as string) })),
        ),
    );
}

test('every task resource the compiler emits has a CDK equivalent that renders the same resource', () => {
  for (const key of Object.keys(RESOURCES) as ResourceKey[]) {
    const rendered = evaluate(stack.resolve(tasks[key].toStateJson())) as { Resource: string };
    assert.equal(rendered.Resource, RESOURCES[key], key);
  }
});

/**
 * CDK grants that IAM cannot apply as written (the Service Authorization Reference gives the action
 * another resource type, or none): the judge asks about what they stand for instead.
 *  - codebuild:BatchGetReports applies to report groups, not projects; steps publish no reports.
 *  - SendTaskSuccess has no resource-level permissions: only "*" grants it.
 */
const REWRITTEN: Record<string, (r: Request) => Request[]> = {
  'codebuild:BatchGetReports': () => [],
  'states:sendTaskSuccess': (r) => [{ action: r.action, resource: '*' }],
};

for (const key of Object.keys(RESOURCES) as ResourceKey[]) {
  test(`execution role allows everything aws-cdk-lib grants for ${RESOURCES[key]}`, async () => {
    const requests = requestsOf(cdkStatements(key));
    assert.ok(requests.length > 0, 'CDK granted something');
    const judged = requests.flatMap((r) => REWRITTEN[r.action]?.(r) ?? [r]);
    assert.deepEqual(await notAllowed(ourPolicies(), judged), []);
    // A rewrite stays only while the evaluator agrees the grant is not applicable as CDK wrote it.
    for (const r of requests.filter((r) => REWRITTEN[r.action])) {
      assert.match(await decide(ourPolicies(), r), /^NotApplicable/, `${r.action} on ${r.resource}`);
    }
  });
}

test('the CodeBuild .sync rule is the one aws-cdk-lib grants: StepFunctionsGetEventForCodeBuildStartBuildRule', async () => {
  const rules = requestsOf(cdkStatements('startBuild')).filter((r) => r.action === 'events:PutRule');
  assert.equal(rules.length, 1);
  const name = rules[0]!.resource.split(':rule/')[1]!;
  assert.ok(SYNC_RULES.includes(name as (typeof SYNC_RULES)[number]), `${name} not in ${SYNC_RULES.join(', ')}`);
  // The plural spelling, which CreateStateMachine would reject, is no longer granted.
  const plural = rules[0]!.resource.replace('GetEventFor', 'GetEventsFor');
  assert.equal(await decide(ourPolicies(), { action: 'events:PutRule', resource: plural }), 'ImplicitlyDenied');
});

test('a build names its role (ServiceRoleOverride): the execution role passes the two build roles to CodeBuild, nothing else', async () => {
  const pass = (resource: string, service: string): Request => ({
    action: 'iam:PassRole',
    resource,
    context: { 'iam:PassedToService': service },
  });
  assert.deepEqual(
    await notAllowed(
      ourPolicies(),
      BUILD_ROLES.map((role) => pass(role, 'codebuild.amazonaws.com')),
    ),
    [],
  );
  for (const denied of [
    pass(BUILD_ROLES[0]!, 'states.amazonaws.com'),
    pass(`arn:aws:iam::${ACCOUNT}:role/Admin`, 'codebuild.amazonaws.com'),
  ]) {
    assert.equal(
      await decide(ourPolicies(), denied),
      'ImplicitlyDenied',
      `${denied.resource} to ${denied.context!['iam:PassedToService']}`,
    );
  }
});

test('a child pipeline is started by its published version ARN, which the role also allows', async () => {
  assert.equal(await decide(ourPolicies(), { action: 'states:StartExecution', resource: `${CHILD_ARN}:7` }), 'Allowed');
});

test('the judge can fail: a role without the CodeBuild statement misses CDK grants', async () => {
  const without = ourPolicies().map((p) => ({ ...p, Statement: p.Statement.filter((s) => s.Sid !== 'StepBuilds') }));
  const missing = await notAllowed(without, requestsOf(cdkStatements('startBuild')));
  assert.ok(
    missing.some((line) => line.startsWith('codebuild:StartBuild')),
    missing.join('\n'),
  );
});
