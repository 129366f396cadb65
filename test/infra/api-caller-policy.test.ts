/**
 * The identity policy docs/deploy.md hands API callers, judged two ways: it allows everything
 * aws-cdk-lib's own `FunctionUrl.grantInvokeUrl` grants (both invoke actions since October 2025),
 * and a policy evaluator allows a function-URL call with it but not a direct invoke.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccountRootPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, FunctionUrlAuthType, Runtime } from 'aws-cdk-lib/aws-lambda';
import {
  ACCOUNT,
  decide,
  evaluate,
  notAllowed,
  type PolicyDocument,
  REGION,
  type Request,
  resolveResources,
  type Statement,
} from './iam-judge.ts';
import { judgeApp } from './judge-app.ts';

const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ServerlessCi-Api`;

function documentedPolicy(): PolicyDocument {
  const markdown = readFileSync(new URL('../../docs/deploy.md', import.meta.url), 'utf8');
  const block = /```json api-caller-policy\n([\s\S]*?)```/.exec(markdown);
  assert.ok(block, 'docs/deploy.md has a ```json api-caller-policy block');
  return JSON.parse(block[1]!.replaceAll('<ApiFunctionArn>', FUNCTION_ARN)) as PolicyDocument;
}

/** What aws-cdk-lib grants a caller of an AWS_IAM function URL, as requests with their context. */
function cdkGrantRequests(): Request[] {
  const stack = new Stack(judgeApp(), 'Judge', { env: { account: ACCOUNT, region: REGION } });
  const owned = new LambdaFunction(stack, 'Owned', {
    runtime: Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: Code.fromInline('exports.handler=async()=>({})'),
  });
  const url = owned.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });
  const caller = new Role(stack, 'Caller', { assumedBy: new AccountRootPrincipal() });
  url.grantInvokeUrl(caller);
  const template = Template.fromStack(stack);
  const resources = resolveResources(template.toJSON().Resources);
  const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => evaluate(p.Properties.PolicyDocument.Statement, resources) as Statement[],
  );
  return statements.flatMap((s) =>
    [s.Action].flat().map((action) => ({
      action: action as string,
      // The documented policy is for our function: ask about it, with the context a URL call carries.
      resource: FUNCTION_ARN,
      context: URL_CALL_CONTEXT[action as string] ?? {},
    })),
  );
}

/** The context keys Lambda sets on a call through an AWS_IAM function URL. */
const URL_CALL_CONTEXT: Record<string, Record<string, string>> = {
  'lambda:InvokeFunctionUrl': { 'lambda:FunctionUrlAuthType': 'AWS_IAM' },
  'lambda:InvokeFunction': { 'lambda:InvokedViaFunctionUrl': 'true' },
};

test('aws-cdk-lib grants a function-URL caller both lambda:InvokeFunctionUrl and lambda:InvokeFunction', () => {
  assert.deepEqual([...new Set(cdkGrantRequests().map((r) => r.action))].sort(), [
    'lambda:InvokeFunction',
    'lambda:InvokeFunctionUrl',
  ]);
});

test('the documented caller policy allows everything CDK grants a function-URL caller', async () => {
  assert.deepEqual(await notAllowed([documentedPolicy()], cdkGrantRequests()), []);
});

test('the documented caller policy allows only calls through the function URL', async () => {
  const policy = [documentedPolicy()];
  assert.equal(
    await decide(policy, {
      action: 'lambda:InvokeFunctionUrl',
      resource: FUNCTION_ARN,
      context: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' },
    }),
    'Allowed',
  );
  assert.equal(
    await decide(policy, {
      action: 'lambda:InvokeFunction',
      resource: FUNCTION_ARN,
      context: { 'lambda:InvokedViaFunctionUrl': 'true' },
    }),
    'Allowed',
  );
  assert.notEqual(
    await decide(policy, {
      action: 'lambda:InvokeFunction',
      resource: FUNCTION_ARN,
      context: { 'lambda:InvokedViaFunctionUrl': 'false' },
    }),
    'Allowed',
  );
  assert.notEqual(
    await decide(policy, {
      action: 'lambda:InvokeFunctionUrl',
      resource: `${FUNCTION_ARN}-other`,
      context: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' },
    }),
    'Allowed',
  );
});
