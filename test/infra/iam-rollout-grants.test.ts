/**
 * Judge: aws-cdk-lib's CallAwsService for each call a rollout makes (statemachines/asl/types.ts
 * ROLLOUT_RESOURCES), granted on the targets a deployment names: our execution role must allow
 * everything CDK grants for them, as a real policy evaluator decides, and nothing on targets the
 * deployment did not name (no `*` on a target). The local target's resources are not AWS calls.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Role } from 'aws-cdk-lib/aws-iam';
import { DefinitionBody, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { CallAwsService } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { ExecutionRole } from '../../infra/constructs/execution-role.ts';
import { LOCAL_ONLY_RESOURCES, ROLLOUT_RESOURCES } from '../../statemachines/asl/types.ts';
import {
  ACCOUNT,
  decide,
  evaluate,
  notAllowed,
  type PolicyDocument,
  REGION,
  type Request,
  type Statement,
} from './iam-judge.ts';
import { judgeApp } from './judge-app.ts';

const FUNCTION = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:api`;
const LISTENER = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2`;
const RULE = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee`;
const ALARM = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:api-p99`;

const app = judgeApp();
const stack = new Stack(app, 'Judge', { env: { account: ACCOUNT, region: REGION } });
const table = TableV2.fromTableArn(stack, 'Table', `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/SciRuns`);
const project = {
  table,
  projectArn: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/SciSteps`,
  buildRoles: [Role.fromRoleArn(stack, 'BuildRole', `arn:aws:iam::${ACCOUNT}:role/SciBuild`)],
};
new ExecutionRole(stack, 'Ours', {
  ...project,
  rolloutTargets: { functions: ['api'], listeners: [LISTENER, RULE], alarms: ['api-p99'] },
});
new ExecutionRole(stack, 'Bare', project);

type Key = Exclude<keyof typeof ROLLOUT_RESOURCES, 'localRolloutShift' | 'localRolloutMeasure'>;

/** CDK's task for each resource, on the target a deployment would name. */
const CDK: Record<Key, { service: string; action: string; iamAction?: string; resources: string[] }> = {
  getAlias: { service: 'lambda', action: 'getAlias', resources: [`${FUNCTION}:live`] },
  updateAlias: { service: 'lambda', action: 'updateAlias', resources: [`${FUNCTION}:live`] },
  modifyListener: {
    service: 'elasticloadbalancingv2',
    action: 'modifyListener',
    iamAction: 'elasticloadbalancing:ModifyListener',
    resources: [LISTENER],
  },
  modifyRule: {
    service: 'elasticloadbalancingv2',
    action: 'modifyRule',
    iamAction: 'elasticloadbalancing:ModifyRule',
    resources: [RULE],
  },
  getMetricData: { service: 'cloudwatch', action: 'getMetricData', resources: ['*'] },
  describeAlarms: { service: 'cloudwatch', action: 'describeAlarms', resources: [ALARM] },
};

const keys = (Object.keys(ROLLOUT_RESOURCES) as Array<keyof typeof ROLLOUT_RESOURCES>).filter(
  (k): k is Key => !LOCAL_ONLY_RESOURCES.includes(ROLLOUT_RESOURCES[k]),
);
const tasks = Object.fromEntries(
  keys.map((key) => {
    const { service, action, iamAction, resources } = CDK[key];
    const task = new CallAwsService(stack, `Cdk${key}`, {
      service,
      action,
      iamResources: resources,
      ...(iamAction ? { iamAction } : {}),
    });
    new StateMachine(stack, `Machine${key}`, { definitionBody: DefinitionBody.fromChainable(task) });
    return [key, task];
  }),
) as Record<Key, CallAwsService>;
const template = Template.fromStack(stack);

function cdkRequests(key: Key): Request[] {
  const roleId = Object.keys(template.findResources('AWS::IAM::Role')).find((id) =>
    id.startsWith(`Machine${key}Role`),
  )!;
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((p) => evaluate(p.Properties.PolicyDocument.Statement) as Statement[])
    .flatMap((s) =>
      [s.Action]
        .flat()
        .flatMap((action) =>
          [s.Resource].flat().map((resource) => ({ action: action as string, resource: resource as string })),
        ),
    );
}

function policiesOf(prefix: string): PolicyDocument[] {
  const roleId = Object.keys(template.findResources('AWS::IAM::Role')).find((id) => id.startsWith(`${prefix}Role`))!;
  const role = template.findResources('AWS::IAM::Role')[roleId]!;
  return (role.Properties.Policies as Array<{ PolicyDocument: unknown }>).map(
    (p) => evaluate(p.PolicyDocument) as PolicyDocument,
  );
}

test('every rollout resource renders as CDK renders it', () => {
  for (const key of keys)
    assert.equal(
      (evaluate(stack.resolve(tasks[key].toStateJson())) as { Resource: string }).Resource,
      ROLLOUT_RESOURCES[key],
      key,
    );
});

for (const key of keys) {
  test(`execution role allows what aws-cdk-lib grants for ${ROLLOUT_RESOURCES[key]} on the named target`, async () => {
    const requests = cdkRequests(key);
    assert.ok(requests.length > 0);
    assert.deepEqual(await notAllowed(policiesOf('Ours'), requests), []);
  });
}

test('targets the deployment did not name are denied; a deployment naming none grants no rollout call', async () => {
  const other = [
    { action: 'lambda:UpdateAlias', resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:billing:live` },
    { action: 'elasticloadbalancing:ModifyListener', resource: LISTENER.replace('/web/', '/admin/') },
    { action: 'cloudwatch:DescribeAlarms', resource: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:other` },
  ];
  for (const r of other)
    assert.equal(await decide(policiesOf('Ours'), r), 'ImplicitlyDenied', `${r.action} ${r.resource}`);
  for (const key of keys) {
    for (const r of cdkRequests(key))
      assert.equal(await decide(policiesOf('Bare'), r), 'ImplicitlyDenied', `${r.action} ${r.resource}`);
  }
});
