/**
 * The synthesized template, resource by resource, and the IAM that matters; cdk-nag's AWS
 * Solutions checks (zero unacknowledged findings, each acknowledgement with a specific reason);
 * the template snapshot; the Lambda bundles synthesis built. One synthesis with real bundling
 * (~10 s of CPU) serves every test here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template, Match, Capture } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { DELIVERY_KEY_PREFIX } from '../../infra/constructs/grants.ts';
import { BUNDLING, FUNCTION_NAMES, PROJECT_ROOT } from '../../infra/constructs/sci-function.ts';
import { deliveryPk } from '../../statemachines/lifecycle.ts';
import { RUN_TABLE } from '../../src/store/table.ts';
import { lambdaCallJudges } from './iam-lambda-calls.ts';
import { evaluate } from './iam-judge.ts';
import { actionsOf, bundleWithProjectEsbuild, inspect, synthStack } from './synth.ts';

bundleWithProjectEsbuild();
const { app, stack } = synthStack({ 'sci:allowedRepos': ['octo/app', 'octo/lib'] });
// Synthesize first: the checks must see the finished tree (aspects applied, lazy values resolved).
const template = Template.fromStack(stack);
const SNAPSHOT = fileURLToPath(new URL('./__snapshots__/serverless-ci.template.json', import.meta.url));
const ANY_SCI_MACHINE = Match.objectLike({
  'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':stateMachine:sci-\\*$')])],
});

const { logicalId, statementsOf, allStatements } = inspect(template);

test('one run table as src/store/table.ts defines it: on-demand, PITR, TTL, AWS-managed encryption, retained', () => {
  template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
  template.hasResource('AWS::DynamoDB::GlobalTable', {
    DeletionPolicy: 'Retain',
    Properties: Match.objectLike({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      GlobalSecondaryIndexes: RUN_TABLE.indexes.map((index) =>
        Match.objectLike({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        }),
      ),
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
    }),
  });
  assert.deepEqual(
    RUN_TABLE.indexes.slice(0, 2).map((i) => i.name),
    ['gsi1', 'gsi2'],
  );
});

test('artifact bucket: SSE-S3, public access blocked, TLS only, lifecycle expiry, access logs', () => {
  const artifacts = logicalId('AWS::S3::Bucket', 'CiStorageArtifacts');
  template.hasResource('AWS::S3::Bucket', {
    DeletionPolicy: 'Retain',
    Properties: Match.objectLike({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: logicalId('AWS::S3::Bucket', 'CiStorageAccessLogs') },
        LogFilePrefix: 'artifacts/',
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'runs/', ExpirationInDays: 30, Status: 'Enabled' }),
          Match.objectLike({ Prefix: 'cache/', ExpirationInDays: 30, Status: 'Enabled' }),
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
        ]),
      },
    }),
  });
  template.hasResourceProperties('AWS::S3::BucketPolicy', {
    Bucket: { Ref: artifacts },
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]),
    },
  });
});

// A step without image, compute or timeout of its own starts the project as it is (docs/compiler.md, "One step").
test('one step project: no source and no credentials, CloudWatch logs with retention, S3 cache, unprivileged, a step default environment', () => {
  template.resourceCountIs('AWS::CodeBuild::Project', 1);
  template.resourceCountIs('AWS::CodeBuild::SourceCredential', 0);
  const logs = logicalId('AWS::Logs::LogGroup', 'CiStepsLogs');
  template.hasResourceProperties('AWS::CodeBuild::Project', {
    Source: { Type: 'NO_SOURCE', BuildSpec: Match.stringLikeRegexp('exit 1') },
    Artifacts: { Type: 'NO_ARTIFACTS' },
    Environment: {
      Type: 'LINUX_CONTAINER',
      Image: 'aws/codebuild/standard:7.0',
      ComputeType: 'BUILD_GENERAL1_SMALL',
      PrivilegedMode: false,
      ImagePullCredentialsType: 'CODEBUILD',
    },
    Cache: { Type: 'S3', Location: Match.anyValue() },
    LogsConfig: { CloudWatchLogs: { Status: 'ENABLED', GroupName: { Ref: logs } }, S3Logs: { Status: 'DISABLED' } },
    TimeoutInMinutes: 60,
    QueuedTimeoutInMinutes: 480,
  });
  template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  const project = Object.values(template.findResources('AWS::CodeBuild::Project'))[0]!;
  assert.equal(project.Properties.Source.Auth, undefined);
});

test('step role: its bucket prefixes, its log group, secrets under sci/, parameters under /sci/', () => {
  const statements = statementsOf('CiStepsRole');
  const byId = Object.fromEntries(statements.map((s) => [s.Sid, s]));
  assert.deepEqual(Object.keys(byId).sort(), [
    'ArtifactBucketLocation',
    'ArtifactsAndCache',
    'EcrAuth',
    'EcrPull',
    'ListArtifacts',
    'OwnLogs',
    'StepParameters',
    'StepSecrets',
  ]);
  assert.deepEqual(byId.ListArtifacts!.Condition, { StringLike: { 's3:prefix': ['runs/*'] } });
  assert.deepEqual(actionsOf(byId.EcrPull!).sort(), [
    'ecr:BatchCheckLayerAvailability',
    'ecr:BatchGetImage',
    'ecr:GetDownloadUrlForLayer',
  ]);
  assert.match(JSON.stringify(byId.EcrPull!.Resource), /:repository\/\*"/);
  assert.match(JSON.stringify(byId.StepSecrets!.Resource), /:secret:sci\/\*"/);
  assert.match(JSON.stringify(byId.StepParameters!.Resource), /:parameter\/sci\/\*"/);
  assert.deepEqual(actionsOf(byId.ArtifactsAndCache!).sort(), ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject']);
  const prefixes = (byId.ArtifactsAndCache!.Resource as Array<{ 'Fn::Join': [string, unknown[]] }>).map((r) =>
    r['Fn::Join'][1].at(-1),
  );
  assert.deepEqual(prefixes.sort(), ['/cache/*', '/runs/*']);
});

test('execution role: trusted by sci-* state machines only; builds, sync rules, table, child pipelines', () => {
  const roleId = logicalId('AWS::IAM::Role', 'CiExecutionRole');
  const trusted = template.findResources('AWS::IAM::Role', {
    Properties: {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'states.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': ANY_SCI_MACHINE },
            },
          }),
        ],
      },
    },
  });
  assert.deepEqual(Object.keys(trusted), [roleId], 'the execution role is the only role Step Functions may assume');
  const byId = Object.fromEntries(statementsOf('CiExecutionRole').map((s) => [s.Sid, s]));
  const project = logicalId('AWS::CodeBuild::Project', 'CiStepsProject');
  assert.deepEqual(byId.StepBuilds!.Resource, { 'Fn::GetAtt': [project, 'Arn'] });
  assert.deepEqual(actionsOf(byId.StepBuilds!).sort(), [
    'codebuild:BatchGetBuilds',
    'codebuild:StartBuild',
    'codebuild:StopBuild',
  ]);
  const rules = JSON.stringify(byId.SyncIntegrationRules!.Resource);
  assert.match(rules, /rule\/StepFunctionsGetEventForCodeBuildStartBuildRule"/);
  assert.match(rules, /rule\/StepFunctionsGetEventsForStepFunctionsExecutionRule"/);
  assert.deepEqual(actionsOf(byId.RunStore!).sort(), ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
  assert.deepEqual(actionsOf(byId.ChildPipelines!), ['states:StartExecution']);
  assert.deepEqual([actionsOf(byId.GateReleases!), byId.GateReleases!.Resource], [['states:SendTaskSuccess'], '*']);
  assert.match(JSON.stringify(byId.ChildExecutions!.Resource), /:execution:sci-\*:\*"/);
});

test('dispatcher: states on sci-* only, PassRole only for the execution role and only to Step Functions', () => {
  const statements = statementsOf('CiFunctionsDispatcherRole');
  const machines = statements.find((s) => s.Sid === 'PipelineStateMachines')!;
  assert.deepEqual(actionsOf(machines).sort(), [
    'states:CreateStateMachine',
    'states:DeleteStateMachineVersion',
    'states:DescribeStateMachine',
    'states:ListExecutions',
    'states:ListStateMachineVersions',
    'states:PublishStateMachineVersion',
    'states:StartExecution',
    'states:UpdateStateMachine',
  ]);
  assert.match(JSON.stringify(machines.Resource), /:stateMachine:sci-\*"/);
  const passRoles = statements.filter((s) => actionsOf(s).includes('iam:PassRole'));
  const execution = passRoles.find((s) => s.Sid === 'PassExecutionRole')!;
  assert.deepEqual(execution.Resource, { 'Fn::GetAtt': [logicalId('AWS::IAM::Role', 'CiExecutionRole'), 'Arn'] });
  assert.deepEqual(execution.Condition, { StringEquals: { 'iam:PassedToService': 'states.amazonaws.com' } });
  for (const s of passRoles) assert.ok(s.Condition, `every PassRole has a condition: ${JSON.stringify(s)}`);
});

test('the delivery key prefix the webhook is limited to is the one the store writes', () => {
  assert.ok(deliveryPk('123', 'abc').startsWith(DELIVERY_KEY_PREFIX));
});

test('webhook: writes only DELIVERY# items, reads only the webhook secret, sends to the queue', () => {
  const statements = statementsOf('CiFunctionsWebhookRole');
  const table = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
  assert.equal(table.length, 1);
  assert.deepEqual(actionsOf(table[0]!), ['dynamodb:PutItem']);
  assert.deepEqual(table[0]!.Condition, { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['DELIVERY#*'] } });
  const secrets = statements.filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'));
  assert.deepEqual(
    secrets.map((s) => s.Resource),
    [{ Ref: logicalId('AWS::SecretsManager::Secret', 'CiSecretsWebhook') }],
  );
  assert.ok(statements.some((s) => actionsOf(s).includes('sqs:SendMessage')));
  assert.ok(!statements.some((s) => actionsOf(s).some((a) => a.startsWith('states:'))));
});

test('schedule sync: schedules named sci-* in the group only; the schedule role passed to Scheduler only', () => {
  for (const rolePrefix of ['CiFunctionsScheduleSyncRole', 'CiFunctionsDispatcherRole']) {
    const statements = statementsOf(rolePrefix);
    const schedules = statements.find((s) => s.Sid === 'Schedules')!;
    assert.deepEqual(actionsOf(schedules).sort(), [
      'scheduler:CreateSchedule',
      'scheduler:DeleteSchedule',
      'scheduler:UpdateSchedule',
    ]);
    const group = template.findResources('AWS::Scheduler::ScheduleGroup')[
      logicalId('AWS::Scheduler::ScheduleGroup', 'CiSchedulesGroup')
    ]!;
    assert.ok(
      JSON.stringify(schedules.Resource).endsWith(`:schedule/${group.Properties.Name}/sci-*"]]}`),
      JSON.stringify(schedules.Resource),
    );
    const pass = statements.find((s) => s.Sid === 'PassScheduleRole')!;
    assert.deepEqual(pass.Resource, { 'Fn::GetAtt': [logicalId('AWS::IAM::Role', 'CiSchedulesRole'), 'Arn'] });
    assert.deepEqual(pass.Condition, { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
  }
});

test('api: answers approvals, stops and redrives runs of sci-* state machines only', () => {
  const statements = statementsOf('CiFunctionsApiRole');
  const approvals = statements.find((s) => s.Sid === 'Approvals')!;
  assert.deepEqual(actionsOf(approvals).sort(), ['states:SendTaskFailure', 'states:SendTaskSuccess']);
  assert.equal(approvals.Resource, '*', 'SendTaskSuccess/Failure have no resource-level permissions');
  const executions = statements.find((s) => s.Sid === 'PipelineExecutions')!;
  assert.deepEqual(actionsOf(executions).sort(), ['states:DescribeExecution', 'states:StopExecution']);
  const redrive = statements.find((s) => s.Sid === 'RedriveRuns')!;
  assert.deepEqual(actionsOf(redrive), ['states:RedriveExecution']);
  assert.deepEqual(redrive.Resource, executions.Resource, 'the executions of sci-* state machines, as a stop');
});

test('no statement allows every action; Resource "*" only for actions without resource-level support', () => {
  const all = allStatements();
  assert.ok(all.length > 20);
  for (const s of all) assert.ok(!actionsOf(s).some((a) => a === '*' || a.endsWith(':*')), JSON.stringify(s));
  const star = all.filter((s) => [s.Resource].flat().includes('*'));
  assert.deepEqual([...new Set(star.flatMap(actionsOf))].sort(), [
    'ecr:GetAuthorizationToken',
    'scheduler:ListSchedules',
    'states:SendTaskFailure',
    'states:SendTaskSuccess',
  ]);
});

test('six Lambdas: nodejs22.x on arm64, bundled ESM with source maps, one log group each with retention', () => {
  const functions = template.findResources('AWS::Lambda::Function');
  assert.equal(Object.keys(functions).length, 6);
  for (const [id, fn] of Object.entries(functions)) {
    assert.equal(fn.Properties.Runtime, 'nodejs22.x', id);
    assert.deepEqual(fn.Properties.Architectures, ['arm64'], id);
    assert.equal(fn.Properties.Handler, 'index.handler', id);
    assert.equal(fn.Properties.Environment.Variables.NODE_OPTIONS, '--enable-source-maps', id);
    const logGroup = fn.Properties.LoggingConfig.LogGroup.Ref as string;
    template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 } });
    assert.ok(template.findResources('AWS::Logs::LogGroup')[logGroup], `${id} logs to its own group`);
  }
  const groups = Object.values(functions).map((fn) => fn.Properties.LoggingConfig.LogGroup.Ref);
  assert.equal(new Set(groups).size, 6);
});

test('each function gets the environment its adapters read, and the allow-list', () => {
  const env = (prefix: string) =>
    template.findResources('AWS::Lambda::Function')[logicalId('AWS::Lambda::Function', prefix)]!.Properties.Environment
      .Variables;
  assert.deepEqual(Object.keys(env('CiFunctionsWebhook')).sort(), [
    'ALLOWED_REPOS',
    'ALLOWED_SENDERS',
    'NODE_OPTIONS',
    'QUEUE_URL',
    'TABLE_NAME',
    'WEBHOOK_SECRET_ARN',
  ]);
  assert.equal(env('CiFunctionsWebhook').ALLOWED_REPOS, 'octo/app,octo/lib');
  const dispatcher = env('CiFunctionsDispatcher');
  for (const key of [
    'TABLE_NAME',
    'BUILD_PROJECT',
    'ARTIFACT_BUCKET',
    'EXECUTION_ROLE_ARN',
    'STATE_MACHINE_PREFIX',
    'GITHUB_SECRET_ARN',
    'SCHEDULER_GROUP',
    'SCHEDULER_ROLE_ARN',
    'SCHEDULED_FUNCTION_ARN',
  ]) {
    assert.ok(key in dispatcher, key);
  }
  assert.equal(dispatcher.STATE_MACHINE_PREFIX, 'sci-');
  assert.ok(!('WEBHOOK_SECRET_ARN' in dispatcher));
  assert.deepEqual(Object.keys(env('CiFunctionsScheduleSync')).sort(), [
    'GITHUB_SECRET_ARN',
    'NODE_OPTIONS',
    'SCHEDULED_FUNCTION_ARN',
    'SCHEDULER_GROUP',
    'SCHEDULER_ROLE_ARN',
    'STATE_MACHINE_PREFIX',
  ]);
});

test('deliveries: encrypted queue with a DLQ feeding the dispatcher with partial batch failures', () => {
  template.resourceCountIs('AWS::SQS::Queue', 3);
  for (const queue of Object.values(template.findResources('AWS::SQS::Queue')))
    assert.equal(queue.Properties.SqsManagedSseEnabled, true);
  const dlq = logicalId('AWS::SQS::Queue', 'CiFunctionsDeliveriesDlq');
  template.hasResourceProperties('AWS::SQS::Queue', {
    VisibilityTimeout: 540,
    RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 },
  });
  template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
    FunctionName: { Ref: logicalId('AWS::Lambda::Function', 'CiFunctionsDispatcher') },
    FunctionResponseTypes: ['ReportBatchItemFailures'],
  });
});

test('async-invoked functions (reporter, scheduled) park events they keep failing on', () => {
  const failed = { 'Fn::GetAtt': [logicalId('AWS::SQS::Queue', 'CiFunctionsFailedEvents'), 'Arn'] };
  for (const prefix of ['CiFunctionsReporter', 'CiFunctionsScheduled']) {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId('AWS::Lambda::Function', prefix) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: failed } },
    });
  }
});

test('function URLs: webhook public (signature checked in code), api IAM-authenticated', () => {
  template.hasResourceProperties('AWS::Lambda::Url', {
    AuthType: 'NONE',
    TargetFunctionArn: { 'Fn::GetAtt': [logicalId('AWS::Lambda::Function', 'CiFunctionsWebhook'), 'Arn'] },
  });
  template.hasResourceProperties('AWS::Lambda::Url', {
    AuthType: 'AWS_IAM',
    TargetFunctionArn: { 'Fn::GetAtt': [logicalId('AWS::Lambda::Function', 'CiFunctionsApi'), 'Arn'] },
  });
  template.resourceCountIs('AWS::Lambda::Url', 2);
  // The only public permissions: the webhook, and only through its URL.
  const publicGrants = Object.values(
    template.findResources('AWS::Lambda::Permission', { Properties: { Principal: '*' } }),
  );
  const webhookArn = { 'Fn::GetAtt': [logicalId('AWS::Lambda::Function', 'CiFunctionsWebhook'), 'Arn'] };
  assert.deepEqual(
    publicGrants.map((p) => p.Properties),
    [
      { Action: 'lambda:InvokeFunctionUrl', FunctionName: webhookArn, FunctionUrlAuthType: 'NONE', Principal: '*' },
      { Action: 'lambda:InvokeFunction', FunctionName: webhookArn, InvokedViaFunctionUrl: true, Principal: '*' },
    ],
  );
});

test('events: sci-* execution status and step build state changes reach the reporter, with a DLQ', () => {
  const reporterArn = { 'Fn::GetAtt': [logicalId('AWS::Lambda::Function', 'CiFunctionsReporter'), 'Arn'] };
  const dlq = { 'Fn::GetAtt': [logicalId('AWS::SQS::Queue', 'CiFunctionsFailedEvents'), 'Arn'] };
  const prefix = new Capture();
  template.hasResourceProperties('AWS::Events::Rule', {
    EventPattern: {
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [{ prefix: prefix }] },
    },
    Targets: [
      Match.objectLike({
        Arn: reporterArn,
        DeadLetterConfig: { Arn: dlq },
        RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 8 }),
      }),
    ],
  });
  assert.match(JSON.stringify(prefix.asObject()), /:stateMachine:sci-"/);
  template.hasResourceProperties('AWS::Events::Rule', {
    EventPattern: {
      source: ['aws.codebuild'],
      'detail-type': ['CodeBuild Build State Change'],
      detail: { 'project-name': [{ Ref: logicalId('AWS::CodeBuild::Project', 'CiStepsProject') }] },
    },
    Targets: [Match.objectLike({ Arn: reporterArn })],
  });
});

test('schedules: a group, and a role only its schedules can assume, allowed to invoke `scheduled` only', () => {
  const group = logicalId('AWS::Scheduler::ScheduleGroup', 'CiSchedulesGroup');
  assert.equal(template.findResources('AWS::Scheduler::ScheduleGroup')[group]!.DeletionPolicy, 'Delete');
  template.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: {
      Statement: [
        Match.objectLike({
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: Match.objectLike({ ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [group, 'Arn'] } } }),
        }),
      ],
    },
  });
  const statements = statementsOf('CiSchedulesRole');
  assert.deepEqual(
    statements.map((s) => [s.Action, s.Resource]),
    [['lambda:InvokeFunction', { 'Fn::GetAtt': [logicalId('AWS::Lambda::Function', 'CiFunctionsScheduled'), 'Arn'] }]],
  );
});

test('secrets: a generated webhook secret and an empty GitHub credential, named per stack creation', () => {
  template.resourceCountIs('AWS::SecretsManager::Secret', 2);
  const webhook = template.findResources('AWS::SecretsManager::Secret', {
    Properties: { GenerateSecretString: Match.objectLike({ PasswordLength: 48 }) },
  });
  const github = template.findResources('AWS::SecretsManager::Secret', { Properties: { SecretString: '{}' } });
  const stackId =
    'arn:aws:cloudformation:us-east-1:123456789012:stack/ServerlessCi/5f1e2d3c-aaaa-bbbb-cccc-123456789012';
  const name = (found: ReturnType<Template['findResources']>) =>
    evaluate(Object.values(found)[0]!.Properties.Name, new Map(), { 'AWS::StackId': stackId });
  assert.equal(name(webhook), 'ServerlessCi/webhook-5f1e2d3c');
  assert.equal(name(github), 'ServerlessCi/github-5f1e2d3c');
});

/** Names only: CDK skips Lambda bundling for stacks not listed here. */
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
/** and the template validation the first stack passed (these differ from it in names only) */
const NAMES_ONLY = { validation: false };

test('a second stack gets its own secret and schedule group names; explicit names are kept', () => {
  const other = Template.fromStack(
    synthStack({ ...NO_BUNDLING, 'sci:allowedRepos': ['octo/app'] }, 'CiStaging', NAMES_ONLY).stack,
  );
  const names = (t: Template, type: string) =>
    Object.values(t.findResources(type))
      .map((r) => JSON.stringify(r.Properties.Name))
      .sort();
  for (const type of ['AWS::SecretsManager::Secret', 'AWS::Scheduler::ScheduleGroup']) {
    const ours = names(template, type);
    for (const n of names(other, type)) assert.ok(!ours.includes(n), `${type} ${n} collides`);
  }
  const named = Template.fromStack(
    synthStack({ ...NO_BUNDLING, 'sci:githubSecretName': 'ci-prod/github' }, 'CiNamed', NAMES_ONLY).stack,
  );
  named.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'ci-prod/github' });
  assert.throws(() => synthStack(NO_BUNDLING, 'sci'), /puts its own secrets under "sci:secretsPrefix"/);
});

test('everything taggable carries app=serverless-ci (cost allocation)', () => {
  for (const type of [
    'AWS::Lambda::Function',
    'AWS::CodeBuild::Project',
    'AWS::S3::Bucket',
    'AWS::SQS::Queue',
    'AWS::IAM::Role',
  ]) {
    for (const [id, resource] of Object.entries(template.findResources(type))) {
      assert.ok(
        (resource.Properties.Tags as Array<{ Key: string; Value: string }>).some(
          (t) => t.Key === 'app' && t.Value === 'serverless-ci',
        ),
        id,
      );
    }
  }
});

test('outputs: endpoints, table, console links', () => {
  for (const name of [
    'WebhookUrl',
    'ApiUrl',
    'ApiFunctionArn',
    'TableName',
    'StateMachinesConsole',
    'BuildLogsConsole',
    'WebhookSecretArn',
    'GitHubSecretArn',
    'DeliveriesDlqUrl',
    'FailedEventsQueueUrl',
    'ScheduleSyncFunctionName',
  ]) {
    template.hasOutput(name, {});
  }
  const link = new Capture();
  template.hasOutput('StateMachinesConsole', { Value: link });
  assert.match(JSON.stringify(link.asObject()), /statemachines\?search=sci-/);
});

// ---------------------------------------------------------------- IAM judged by a policy evaluator

lambdaCallJudges(app, stack, template);

// ---------------------------------------------------------------- compliance and snapshot

function violationsOf(scope: IConstruct, root: App): string[] {
  const report = new AwsSolutionsChecks(root).validateScope(scope);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} at ${r.resourceLogicalId}: ${v.description}`),
  );
}

test('AWS Solutions checks: no unacknowledged finding', () => {
  assert.deepEqual(violationsOf(stack, app), []);
});

test('the checks do fire: a bare bucket is reported', () => {
  const scratchApp = new App();
  const scratch = new Stack(scratchApp, 'Scratch');
  new Bucket(scratch, 'Bare');
  const violations = violationsOf(scratch, scratchApp);
  assert.ok(
    violations.some((v) => v.startsWith('AwsSolutions-S1 ')),
    violations.join('\n'),
  );
  assert.ok(
    violations.some((v) => v.startsWith('AwsSolutions-S10 ')),
    violations.join('\n'),
  );
});

test('every acknowledgement names one rule (or one wildcard) and says specifically why', () => {
  const acks = stack.node
    .findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
    .flatMap((m) => Object.entries(m.data as Record<string, string>));
  assert.ok(acks.length >= 10, `found ${acks.length}`);
  for (const [id, reason] of acks) {
    assert.match(id, /AwsSolutions-[A-Z0-9]+(\[[^\]]+\])?$/, id);
    assert.ok(reason.length >= 50, `${id}: reason too short: ${reason}`);
  }
});

test('template snapshot (asset hashes normalised; UPDATE_SNAPSHOT=1 regenerates)', () => {
  const actual = `${JSON.stringify(template.toJSON(), null, 2).replace(/[0-9a-f]{64}/g, '<asset-hash>')}\n`;
  if (process.env.UPDATE_SNAPSHOT === '1') {
    mkdirSync(dirname(SNAPSHOT), { recursive: true });
    writeFileSync(SNAPSHOT, actual);
  }
  assert.ok(existsSync(SNAPSHOT), `no snapshot at ${SNAPSHOT}; run with UPDATE_SNAPSHOT=1 and review the diff`);
  assert.equal(actual, readFileSync(SNAPSHOT, 'utf8'));
});

// ---------------------------------------------------------------- the bundles that ship

test('bundling is the local esbuild, never Docker', () => {
  assert.equal(BUNDLING.forceDockerBundling, false);
  // CDK bundles locally only when it can resolve esbuild; otherwise it would fall back to Docker.
  assert.ok(existsSync(join(PROJECT_ROOT, 'node_modules', 'esbuild', 'package.json')));
});

for (const name of FUNCTION_NAMES) {
  test(`functions/${name}.ts: bundled by synthesis with a source map, loads on Node, exports handler`, async () => {
    const code = stack.ci.functions.byName[name].fn.node.findChild('Code') as Asset;
    const dir = join(app.outdir, code.assetPath);
    assert.ok(statSync(join(dir, 'index.mjs.map')).size > 0, 'source map written');
    const mod = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { handler?: unknown };
    assert.equal(typeof mod.handler, 'function');
  });
}
