/**
 * What a Lambda may do, as a short list of capabilities. Each capability brings exactly its IAM
 * statements and the environment variables (architecture.md, "Lambda functions") its adapters
 * read, so a function's permissions and its configuration cannot drift apart.
 */
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { ServerlessCiConfig } from '../config.ts';
import { STATE_MACHINE_PREFIX } from './arns.ts';
import { BUILD_ROLE_ENV, SECRET_PREFIX_ENV } from '../../src/aws/environment.ts';
import type { BuildProject } from './build-project.ts';
import type { ExecutionRole } from './execution-role.ts';
import {
  grantDeliveryLog,
  grantExecutionControl,
  grantExecutionRedrive,
  grantPipelineDeployment,
  grantRunStore,
  grantScheduleSync,
  grantTaskTokens,
} from './grants.ts';
import type { Scheduling } from './scheduling.ts';
import type { Secrets } from './secrets.ts';
import type { Storage } from './storage.ts';

export type Capability =
  /** Verify webhook signatures and apply the repository/sender allow-lists. */
  | 'verifyWebhooks'
  /** Record webhook deliveries (de-duplication) and nothing else in the table. */
  | 'recordDeliveries'
  /** Hand deliveries to the dispatcher queue. */
  | 'enqueueDeliveries'
  /** Read and write runs, steps and gates. */
  | 'runStore'
  /** Call GitHub (read pipelines at a commit, commit statuses). */
  | 'github'
  /** Compile-and-deploy pipelines: `sci-*` state machines, versions, executions, PassRole. */
  | 'deployPipelines'
  /** Stop runs (cancel) and redrive them. */
  | 'controlExecutions'
  /** Answer approvals. */
  | 'answerApprovals'
  /** Read the step project's builds (a run's end settles a step whose success event is late). */
  | 'readBuilds'
  /** Keep the repository's schedules in the schedule group. */
  | 'syncSchedules';

/** Everything the capabilities refer to. `scheduled` exists once that function does. */
export interface CapabilityContext {
  config: ServerlessCiConfig;
  storage: Storage;
  build: BuildProject;
  executionRole: ExecutionRole;
  secrets: Secrets;
  scheduling: Scheduling;
  queue: Queue;
  scheduled?: IFunction;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined)
    throw new Error(`serverless-ci infra: ${what} must be created before the functions that use it`);
  return value;
}

/** Grants `capability` to `role` and returns the environment variables it implies. */
export function applyCapability(capability: Capability, role: Role, ctx: CapabilityContext): Record<string, string> {
  const table: TableV2 = ctx.storage.table;
  switch (capability) {
    case 'verifyWebhooks':
      readSecret(ctx.secrets.webhook, role);
      return {
        WEBHOOK_SECRET_ARN: ctx.secrets.webhook.secretArn,
        ALLOWED_REPOS: ctx.config.allowedRepos.join(','),
        ALLOWED_SENDERS: ctx.config.allowedSenders.join(','),
      };
    case 'recordDeliveries':
      grantDeliveryLog(role, table);
      return { TABLE_NAME: table.tableName };
    case 'enqueueDeliveries':
      ctx.queue.grantSendMessages(role);
      return { QUEUE_URL: ctx.queue.queueUrl };
    case 'runStore':
      grantRunStore(role, table);
      return { TABLE_NAME: table.tableName };
    case 'github':
      readSecret(ctx.secrets.github, role);
      return { GITHUB_SECRET_ARN: ctx.secrets.github.secretArn };
    case 'deployPipelines':
      grantPipelineDeployment(role, ctx.executionRole.role);
      return {
        EXECUTION_ROLE_ARN: ctx.executionRole.role.roleArn,
        STATE_MACHINE_PREFIX,
        TABLE_NAME: table.tableName,
        BUILD_PROJECT: ctx.build.projectName,
        [BUILD_ROLE_ENV.trusted]: ctx.build.role.roleArn,
        [BUILD_ROLE_ENV.untrusted]: ctx.build.untrustedRole.roleArn,
        ARTIFACT_BUCKET: ctx.storage.artifactBucket.bucketName,
        [SECRET_PREFIX_ENV.secretsManager]: ctx.config.secretsPrefix,
        [SECRET_PREFIX_ENV.parameterStore]: ctx.config.parametersPrefix,
      };
    case 'controlExecutions':
      grantExecutionControl(role);
      grantExecutionRedrive(role);
      return {};
    case 'answerApprovals':
      grantTaskTokens(role);
      return {};
    case 'readBuilds':
      role.addToPolicy(
        new PolicyStatement({
          sid: 'StepBuildResults',
          actions: ['codebuild:BatchGetBuilds'],
          resources: [ctx.build.projectArn],
        }),
      );
      return {};
    case 'syncSchedules': {
      const scheduled = required(ctx.scheduled, 'the scheduled function');
      grantScheduleSync(role, ctx.scheduling.group, ctx.scheduling.role);
      return {
        SCHEDULER_GROUP: ctx.scheduling.group.scheduleGroupName,
        SCHEDULER_ROLE_ARN: ctx.scheduling.role.roleArn,
        SCHEDULED_FUNCTION_ARN: scheduled.functionArn,
        STATE_MACHINE_PREFIX,
      };
    }
  }
}

function readSecret(secret: Secret, role: Role): void {
  secret.grantRead(role);
}
