/**
 * Judge: the calls each shipped Lambda bundle can make, against the policy synthesis gives its role,
 * decided by a real policy evaluator (@cloud-copilot/iam-simulate). The SDK operations are read from
 * the bundles `cdk synth` builds (each SDK command class names its operation, and tree shaking drops
 * the ones no code reaches); which of them a function reaches comes from what its entry imports.
 * Then the must-deny list: what no role may do, whatever the code does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { entryPath, FUNCTION_NAMES, type FunctionName } from '../../infra/constructs/sci-function.ts';
import type { ServerlessCiStack } from '../../infra/stack.ts';
import { compileSource } from '../../statemachines/compiler/compile.ts';
import {
  ACCOUNT,
  allowed,
  evaluate,
  notAllowed,
  type PolicyDocument,
  REGION,
  type Request,
  resolveResources,
  type Statement,
} from './iam-judge.ts';
import { inspect } from './synth.ts';

/** Registers the judges on a stack synthesized with real bundling (serverless-ci.test.ts shares its one). */
export function lambdaCallJudges(app: App, stack: ServerlessCiStack, template: Template): void {
  const resources = resolveResources(template.toJSON().Resources);
  const { logicalId, statementsOf } = inspect(template);

  const arn = (service: string, rest: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${rest}`;

  /** The policies of the role whose logical id starts with `prefix`, evaluated to concrete ARNs. */
  function policiesOf(prefix: string): PolicyDocument[] {
    return [{ Version: '2012-10-17', Statement: evaluate(statementsOf(prefix), resources) as Statement[] }];
  }

  /** A function's environment, evaluated. */
  function envOf(name: FunctionName): Record<string, string> {
    const fn = template.toJSON().Resources[logicalId('AWS::Lambda::Function', `CiFunctions${pascal(name)}Function`)];
    return evaluate(fn.Properties.Environment.Variables, resources) as Record<string, string>;
  }

  const pascal = (name: string) => name.replace(/(^|-)([a-z])/g, (_, _d: string, c: string) => c.toUpperCase());

  /** The SDK operations left in the bundle synthesis built for `name`. */
  function bundledOperations(name: FunctionName): Set<string> {
    const code = stack.ci.functions.byName[name].fn.node.findChild('Code') as Asset;
    const text = readFileSync(join(app.outdir, code.assetPath, 'index.mjs'), 'utf8');
    return new Set([...text.matchAll(/extends [\w$]+\([\w$]+,[\w$]+,"([A-Za-z0-9]+)",/g)].map((m) => m[1]!));
  }

  /** Operations in the bundles that are not calls a Lambda makes on AWS, with why. */
  const NOT_CALLS: Record<string, string> = {
    DescribeEndpoints: 'DynamoDB endpoint discovery, which the client leaves off unless configured',
    Scan: 'listing runs without a repository, which only the local store does (src/store/dynamo-run-store.ts)',
  };

  /**
   * What each export a function entry imports ends up calling (src/aws/ and the store). A secret read
   * is tagged with the secret. Checked against the bundles below, so it cannot claim calls that are
   * not in the code.
   */
  const RUN_STORE = ['GetItem', 'PutItem', 'UpdateItem', 'Query', 'BatchWriteItem', 'DeleteItem'];
  const REGISTRY = [
    'CreateStateMachine',
    'DescribeStateMachine',
    'PublishStateMachineVersion',
    'UpdateStateMachine',
    'ListStateMachineVersions',
    'ListExecutions',
    'DeleteStateMachineVersion',
  ];
  /** `ExecutionStarter` (dispatch, the reporter's queued runs, cancel). */
  const STARTER = ['StartExecution', 'StopExecution'];
  const GITHUB = ['GetSecretValue:github'];
  const ENTRY_CALLS: Record<string, string[]> = {
    runStore: RUN_STORE,
    dispatchDeps: [...RUN_STORE, ...REGISTRY, ...STARTER, ...GITHUB],
    executions: STARTER,
    taskTokens: ['SendTaskSuccess', 'SendTaskFailure'],
    redriver: ['RedriveExecution'],
    repositories: GITHUB,
    statuses: GITHUB,
    followersOf: [...RUN_STORE, ...REGISTRY, ...STARTER, ...GITHUB],
    syncRepoSchedules: [...GITHUB, 'ListSchedules', 'CreateSchedule', 'UpdateSchedule', 'DeleteSchedule'],
    DynamoDeliveryRecords: ['PutItem:delivery'],
    cachedSecret: ['GetSecretValue:webhook'],
    SqsDeliveryQueue: ['SendMessage'],
    buildResults: ['BatchGetBuilds'],
  };

  /** The names `functions/<name>.ts` imports from src/aws/. */
  function importedEntries(name: FunctionName): string[] {
    const source = readFileSync(entryPath(name), 'utf8');
    return [...source.matchAll(/import \{([^}]+)\} from '\.\.\/src\/aws\/[\w-]+\.ts'/g)]
      .flatMap((m) => m[1]!.split(',').map((s) => s.trim().replace(/^type /, '')))
      .filter((entry) => entry in ENTRY_CALLS);
  }

  function callsOf(name: FunctionName): string[] {
    return [...new Set(importedEntries(name).flatMap((entry) => ENTRY_CALLS[entry]!))].sort();
  }

  const MACHINE = arn('states', 'stateMachine:sci-0a1b2c3d-ci');

  /** The request(s) IAM sees for one call, with the ARNs the function's environment points at. */
  function requestsFor(call: string, env: Record<string, string>): Request[] {
    const table = arn('dynamodb', `table/${env.TABLE_NAME}`);
    const passRole = (role: string | undefined, service: string): Request => ({
      action: 'iam:PassRole',
      resource: role ?? 'missing-role-env',
      context: { 'iam:PassedToService': service },
    });
    const schedule = arn('scheduler', `schedule/${env.SCHEDULER_GROUP}/sci-0a1b2c3d-nightly-1a2b`);
    const table_ = (action: string): Request => ({ action: `dynamodb:${action}`, resource: table });
    switch (call) {
      case 'GetItem':
      case 'PutItem':
      case 'UpdateItem':
      case 'BatchWriteItem':
      case 'DeleteItem':
        return [table_(call)];
      case 'Query':
        return [{ action: 'dynamodb:Query', resource: `${table}/index/gsi1` }];
      case 'PutItem:delivery':
        return [{ ...table_('PutItem'), context: { 'dynamodb:LeadingKeys': ['DELIVERY#12345'] } }];
      case 'GetSecretValue:github':
        return [{ action: 'secretsmanager:GetSecretValue', resource: env.GITHUB_SECRET_ARN ?? 'missing-secret-env' }];
      case 'GetSecretValue:webhook':
        return [{ action: 'secretsmanager:GetSecretValue', resource: env.WEBHOOK_SECRET_ARN ?? 'missing-secret-env' }];
      case 'SendMessage':
        return [{ action: 'sqs:SendMessage', resource: arn('sqs', env.QUEUE_URL!.split('/').at(-1)!) }];
      case 'CreateStateMachine':
      case 'UpdateStateMachine':
        return [
          { action: `states:${call}`, resource: MACHINE },
          passRole(env.EXECUTION_ROLE_ARN, 'states.amazonaws.com'),
        ];
      case 'ListStateMachineVersions':
      case 'DescribeStateMachine':
      case 'PublishStateMachineVersion':
      case 'ListExecutions':
      case 'DeleteStateMachineVersion':
        return [
          {
            action: `states:${call}`,
            resource: ['DeleteStateMachineVersion', 'ListExecutions'].includes(call) ? `${MACHINE}:3` : MACHINE,
          },
        ];
      case 'StartExecution':
        return [{ action: 'states:StartExecution', resource: `${MACHINE}:3` }];
      case 'StopExecution':
      case 'RedriveExecution':
        return [{ action: `states:${call}`, resource: arn('states', 'execution:sci-0a1b2c3d-ci:run-0001') }];
      case 'SendTaskSuccess':
      case 'SendTaskFailure':
        return [{ action: `states:${call}`, resource: '*' }];
      case 'ListSchedules':
        return [{ action: 'scheduler:ListSchedules', resource: '*' }];
      case 'CreateSchedule':
      case 'UpdateSchedule':
        return [
          { action: `scheduler:${call}`, resource: schedule },
          passRole(env.SCHEDULER_ROLE_ARN, 'scheduler.amazonaws.com'),
        ];
      case 'DeleteSchedule':
        return [{ action: 'scheduler:DeleteSchedule', resource: schedule }];
      case 'BatchGetBuilds':
        return [{ action: 'codebuild:BatchGetBuilds', resource: arn('codebuild', `project/${env.BUILD_PROJECT}`) }];
      default:
        throw new Error(`no IAM request known for ${call}: add it to requestsFor`);
    }
  }

  test('every SDK operation in a bundle is a call some entry makes, or listed as not a call', () => {
    const known = new Set(
      Object.values(ENTRY_CALLS)
        .flat()
        .map((c) => c.split(':')[0]!),
    );
    for (const name of FUNCTION_NAMES) {
      const unknown = [...bundledOperations(name)].filter((op) => !known.has(op) && !(op in NOT_CALLS));
      assert.deepEqual(unknown, [], `${name}: classify these operations in ENTRY_CALLS or NOT_CALLS`);
    }
  });

  for (const name of FUNCTION_NAMES) {
    test(`${name}: its role allows every call its code makes`, async () => {
      const calls = callsOf(name);
      assert.ok(calls.length > 0, `${name} imports ${importedEntries(name).join(', ')}`);
      const bundled = bundledOperations(name);
      for (const call of calls)
        assert.ok(bundled.has(call.split(':')[0]!), `${name}: ${call} is not in the bundle; fix ENTRY_CALLS`);
      const env = envOf(name);
      const requests = calls.flatMap((call) => requestsFor(call, env));
      assert.deepEqual(await notAllowed(policiesOf(`CiFunctions${pascal(name)}Role`), requests), []);
    });
  }

  // ---------------------------------------------------------------- must deny

  const ROLES = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) => id.startsWith('Ci'));
  const SECRET = (name: string) => arn('secretsmanager', `secret:${name}-AbCdEf`);

  test('steps read secrets and parameters only under the prefixes, and pull images of this account', async () => {
    const steps = policiesOf('CiStepsRole');
    const repository = arn('ecr', 'repository/team/app');
    assert.deepEqual(
      await notAllowed(steps, [
        { action: 'secretsmanager:GetSecretValue', resource: SECRET('sci/deploy-token') },
        { action: 'ecr:GetAuthorizationToken', resource: '*' },
        ...['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'].map((action) => ({
          action,
          resource: repository,
        })),
      ]),
      [],
    );
    assert.deepEqual(
      await allowed(steps, [
        { action: 'ecr:PutImage', resource: repository },
        { action: 'ecr:BatchGetImage', resource: `arn:aws:ecr:${REGION}:999999999999:repository/other` },
      ]),
      [],
    );
    const outside: Request[] = [
      {
        action: 'secretsmanager:GetSecretValue',
        resource: evaluate({ Ref: logicalId('AWS::SecretsManager::Secret', 'CiSecretsGitHub') }, resources) as string,
      },
      {
        action: 'secretsmanager:GetSecretValue',
        resource: evaluate({ Ref: logicalId('AWS::SecretsManager::Secret', 'CiSecretsWebhook') }, resources) as string,
      },
      { action: 'secretsmanager:GetSecretValue', resource: SECRET('ci/deploy-token') },
      { action: 'secretsmanager:GetSecretValue', resource: SECRET('scixyz/token') },
      { action: 'ssm:GetParameters', resource: arn('ssm', 'parameter/ci/token') },
      { action: 'ssm:GetParameters', resource: arn('ssm', 'parameter/scixyz/token') },
    ];
    assert.deepEqual(await allowed(steps, outside), []);
  });

  test('untrusted builds (forks) read no secret and write only the untrusted namespace; trusted builds never read it', async () => {
    const untrusted = policiesOf('CiStepsUntrustedRole');
    const trusted = policiesOf('CiStepsRole');
    const bucket = `arn:aws:s3:::${envOf('dispatcher').ARTIFACT_BUCKET}`;
    const object = (key: string) => `${bucket}/${key}`;
    const logs = evaluate(
      { 'Fn::GetAtt': [logicalId('AWS::Logs::LogGroup', 'CiStepsLogs'), 'Arn'] },
      resources,
    ) as string;
    assert.deepEqual(
      await notAllowed(untrusted, [
        ...['s3:GetObject', 's3:PutObject'].flatMap((action) => [
          { action, resource: object('untrusted/runs/01RUN/build.zip') },
          { action, resource: object('untrusted/cache/npm-main') },
        ]),
        { action: 's3:GetBucketLocation', resource: bucket },
        { action: 'logs:PutLogEvents', resource: logs },
      ]),
      [],
    );
    const denied: Request[] = [
      // no secret or parameter at all, the pipeline secrets' prefix included
      ...['sci/deploy-token', 'sci/dockerhub', 'ci/token'].map((name) => ({
        action: 'secretsmanager:GetSecretValue',
        resource: SECRET(name),
      })),
      {
        action: 'secretsmanager:GetSecretValue',
        resource: evaluate({ Ref: logicalId('AWS::SecretsManager::Secret', 'CiSecretsGitHub') }, resources) as string,
      },
      {
        action: 'secretsmanager:GetSecretValue',
        resource: evaluate({ Ref: logicalId('AWS::SecretsManager::Secret', 'CiSecretsWebhook') }, resources) as string,
      },
      { action: 'ssm:GetParameters', resource: arn('ssm', 'parameter/sci/token') },
      // nothing of trusted runs: their artifacts and caches, to read or to plant
      ...['s3:GetObject', 's3:PutObject'].flatMap((action) => [
        { action, resource: object('runs/01RUN/build.zip') },
        { action, resource: object('cache/npm-main') },
        { action, resource: object('untrusted') },
      ]),
      { action: 's3:PutObject', resource: object('other/x') },
      { action: 's3:DeleteObject', resource: object('untrusted/runs/01RUN/build.zip') },
      { action: 'ecr:BatchGetImage', resource: arn('ecr', 'repository/team/app') },
      { action: 'states:StartExecution', resource: `${MACHINE}:3` },
      { action: 'states:SendTaskSuccess', resource: '*' },
      {
        action: 'iam:PassRole',
        resource: `arn:aws:iam::${ACCOUNT}:role/Admin`,
        context: { 'iam:PassedToService': 'codebuild.amazonaws.com' },
      },
      { action: 'codebuild:StartBuild', resource: arn('codebuild', 'project/other') },
    ];
    assert.deepEqual(await allowed(untrusted, denied), []);
    // A trusted build never restores what an untrusted one wrote.
    const planted = ['untrusted/runs/01RUN/build.zip', 'untrusted/cache/npm-main'].map((key) => ({
      action: 's3:GetObject',
      resource: object(key),
    }));
    assert.deepEqual(await allowed(trusted, planted), []);
  });

  test('registry credentials the compiler names: the trusted build role reads them, the untrusted one does not', async () => {
    const compiled = compileSource('examples/release.yml', readFileSync('examples/release.yml', 'utf8'));
    assert.ok(compiled.ok);
    const credentials = [...JSON.stringify(compiled.value.definition).matchAll(/"Credential":"([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    assert.deepEqual(credentials, ['sci/dockerhub']);
    // CodeBuild reads the secret as the build's role (ImagePullCredentialsTypeOverride: SERVICE_ROLE)
    const reads = credentials.map((name) => ({ action: 'secretsmanager:GetSecretValue', resource: SECRET(name) }));
    assert.deepEqual(await notAllowed(policiesOf('CiStepsRole'), reads), []);
    assert.deepEqual(await allowed(policiesOf('CiStepsUntrustedRole'), reads), []);
  });

  test('each build role may list its own artifact prefix (a missing need reads as 404, not 403), and nothing else', async () => {
    const bucket = `arn:aws:s3:::${envOf('dispatcher').ARTIFACT_BUCKET}`;
    const list = (key: string): Request => ({
      action: 's3:ListBucket',
      resource: bucket,
      context: { 's3:prefix': key },
    });
    const roles = { CiStepsRole: 'runs/01RUN/build.zip', CiStepsUntrustedRole: 'untrusted/runs/01RUN/build.zip' };
    for (const [role, own] of Object.entries(roles)) {
      assert.deepEqual(await notAllowed(policiesOf(role), [list(own)]), [], role);
      const others = ['', 'cache/', 'secrets/', ...Object.values(roles).filter((key) => key !== own)].map(list);
      assert.deepEqual(await allowed(policiesOf(role), others), [], role);
    }
  });

  test('no build role may use any sfn or iam action on "*"', async () => {
    const everything = [
      'states:StartExecution',
      'states:SendTaskSuccess',
      'states:CreateStateMachine',
      'iam:PassRole',
      'iam:CreateRole',
      'iam:PutRolePolicy',
    ].map((action) => ({ action, resource: '*' }));
    for (const role of ['CiStepsRole', 'CiStepsUntrustedRole'])
      assert.deepEqual(await allowed(policiesOf(role), everything), [], role);
  });

  test('the webhook cannot start, create or stop pipelines, nor write anything but deliveries', async () => {
    const webhook = policiesOf('CiFunctionsWebhookRole');
    const denied: Request[] = [
      { action: 'states:StartExecution', resource: `${MACHINE}:3` },
      { action: 'states:CreateStateMachine', resource: MACHINE },
      { action: 'states:StopExecution', resource: arn('states', 'execution:sci-0a1b2c3d-ci:run-0001') },
      { action: 'states:RedriveExecution', resource: arn('states', 'execution:sci-0a1b2c3d-ci:run-0001') },
      {
        action: 'dynamodb:PutItem',
        resource: arn('dynamodb', `table/${logicalId('AWS::DynamoDB::GlobalTable', 'CiStorageRuns')}`),
        context: { 'dynamodb:LeadingKeys': ['RUN#1'] },
      },
      {
        action: 'secretsmanager:GetSecretValue',
        resource: evaluate({ Ref: logicalId('AWS::SecretsManager::Secret', 'CiSecretsGitHub') }, resources) as string,
      },
    ];
    assert.deepEqual(await allowed(webhook, denied), []);
  });

  test('only the api may redrive a run', async () => {
    const redrive: Request = {
      action: 'states:RedriveExecution',
      resource: arn('states', 'execution:sci-0a1b2c3d-ci:run-0001'),
    };
    for (const role of ROLES.filter((r) => !r.startsWith('CiFunctionsApiRole')))
      assert.deepEqual(await allowed(policiesOf(role), [redrive]), [], role);
    assert.deepEqual(await notAllowed(policiesOf('CiFunctionsApiRole'), [redrive]), []);
  });

  test('no role may administer IAM, pass other roles, or touch state machines outside sci-*', async () => {
    const other = arn('states', 'stateMachine:payments');
    const dangerous: Request[] = [
      {
        action: 'iam:PassRole',
        resource: `arn:aws:iam::${ACCOUNT}:role/Admin`,
        context: { 'iam:PassedToService': 'states.amazonaws.com' },
      },
      {
        action: 'iam:PassRole',
        resource: `arn:aws:iam::${ACCOUNT}:role/Admin`,
        context: { 'iam:PassedToService': 'codebuild.amazonaws.com' },
      },
      { action: 'iam:CreateRole', resource: `arn:aws:iam::${ACCOUNT}:role/x` },
      { action: 'iam:AttachRolePolicy', resource: `arn:aws:iam::${ACCOUNT}:role/x` },
      { action: 'iam:PutRolePolicy', resource: `arn:aws:iam::${ACCOUNT}:role/x` },
      { action: 'states:CreateStateMachine', resource: other },
      { action: 'states:UpdateStateMachine', resource: other },
      { action: 'states:DeleteStateMachine', resource: MACHINE },
      { action: 'states:StartExecution', resource: other },
      { action: 'states:StopExecution', resource: arn('states', 'execution:payments:run-1') },
      { action: 'states:RedriveExecution', resource: arn('states', 'execution:payments:run-1') },
    ];
    assert.ok(ROLES.length >= 10, ROLES.join(', '));
    for (const role of ROLES) assert.deepEqual(await allowed(policiesOf(role), dangerous), [], role);
  });

  test('the judge can fail: the webhook is not allowed the dispatcher calls', async () => {
    const calls = callsOf('dispatcher').flatMap((call) => requestsFor(call, envOf('dispatcher')));
    const missing = await notAllowed(policiesOf('CiFunctionsWebhookRole'), calls);
    assert.ok(
      missing.some((m) => m.startsWith('states:CreateStateMachine')),
      missing.join('\n'),
    );
  });
}
