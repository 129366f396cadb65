/**
 * Builds the AWS adapters once per Lambda container from the environment (docs/architecture.md),
 * lazily, so each function pays only for the clients it touches.
 */
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { CodeBuildResults } from './build-results.ts';
import type { DispatchDeps } from '../core/dispatch.ts';
import type { ExecutionRedriver, RunRecord, TaskTokens } from '../core/ports.ts';
import { desiredSchedules, syncSchedules } from '../core/schedules.ts';
import { validPipelines } from '../core/pipelines.ts';
import { startFollowers } from '../core/followers.ts';
import { githubClients, type GitHubCredentials } from '../github/auth.ts';
import { GitHubRepositoryReader } from '../github/repository.ts';
import { GitHubStatusReporter } from '../github/status.ts';
import { BUILD_ROLE_ENV, requireEnv, SECRET_PREFIX_ENV, stateMachineArnPrefix } from './environment.ts';
import { DEFAULT_SECRET_PREFIXES } from '../../statemachines/pipeline/secret-prefix.ts';
import { consoleUrl, executionArnFor, scheduleName, schedulePrefix, stateMachineName } from './names.ts';
import { clientConfig } from './client-config.ts';
import { EventBridgeScheduler } from './scheduler.ts';
import { cachedSecret } from './secrets.ts';
import { SfnExecutions } from './sfn-executions.ts';
import { SfnStateMachineRegistry } from './sfn-registry.ts';
import { runStore } from './store.ts';

const once = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => (value ??= make());
};

const prefix = () => process.env.STATE_MACHINE_PREFIX ?? 'sci-';
const region = () => process.env.AWS_REGION ?? 'us-east-1';

export const sfn = once(() => new SFNClient(clientConfig));
export const executions = once(() => new SfnExecutions(sfn()));
/** The same adapter as the approvals' `TaskTokens`: only the api answers task tokens (and only its role may). */
export const taskTokens = (): TaskTokens => executions();
/** The same adapter as the redrive's `ExecutionRedriver` (only the api redrives, and only its role may). */
export const redriver = (): ExecutionRedriver => executions();
/** Step builds' results, for the reporter's run ends (its role reads the step project's builds). */
export const buildResults = once(() => new CodeBuildResults(new CodeBuildClient(clientConfig)));

const github = once(() => {
  const read = cachedSecret(new SecretsManagerClient(clientConfig), requireEnv('GITHUB_SECRET_ARN'));
  return githubClients(async () => JSON.parse(await read()) as GitHubCredentials);
});
export const repositories = once(() => new GitHubRepositoryReader(github()));
export const statuses = once(() => new GitHubStatusReporter(github()));

export const dispatchDeps = once(
  (): DispatchDeps => ({
    store: runStore(),
    registry: new SfnStateMachineRegistry(sfn(), {
      roleArn: requireEnv('EXECUTION_ROLE_ARN'),
      arnPrefix: stateMachineArnPrefix(requireEnv('EXECUTION_ROLE_ARN'), region()),
    }),
    executions: executions(),
    statuses: statuses(),
    clock: { now: () => new Date() },
    target: {
      tableName: requireEnv('TABLE_NAME'),
      buildProject: requireEnv('BUILD_PROJECT'),
      artifactBucket: requireEnv('ARTIFACT_BUCKET'),
      engine: 'aws',
    },
    machineName: (repo, pipelineId) => stateMachineName(prefix(), repo, pipelineId),
    runUrl: (stateMachine, runId) => consoleUrl(executionArnFor(stateMachine, runId)),
    buildRoles: { trusted: requireEnv(BUILD_ROLE_ENV.trusted), untrusted: requireEnv(BUILD_ROLE_ENV.untrusted) },
    secretPrefixes: {
      secretsManager: process.env[SECRET_PREFIX_ENV.secretsManager] ?? DEFAULT_SECRET_PREFIXES.secretsManager,
      parameterStore: process.env[SECRET_PREFIX_ENV.parameterStore] ?? DEFAULT_SECRET_PREFIXES.parameterStore,
    },
  }),
);

const scheduler = once(
  () =>
    new EventBridgeScheduler(new SchedulerClient(clientConfig), {
      group: process.env.SCHEDULER_GROUP ?? 'default',
      targetArn: requireEnv('SCHEDULED_FUNCTION_ARN'),
      roleArn: requireEnv('SCHEDULER_ROLE_ARN'),
    }),
);

/** Reads the pipelines at `sha` and makes the repository's schedules match them (invalid files change nothing). */
export async function syncRepoSchedules(repo: string, sha: string, defaultBranch: string) {
  const files = await repositories().source(repo).readPipelineFiles(sha);
  const pipelines = validPipelines(files);
  if (!pipelines)
    return { upserted: [], removed: [], problems: ['pipelines are invalid at this commit; schedules unchanged'] };
  const { schedules, problems } = desiredSchedules(repo, defaultBranch, pipelines, (id, cron) =>
    scheduleName(prefix(), repo, id, cron),
  );
  return { ...(await syncSchedules(scheduler(), schedulePrefix(prefix(), repo), schedules)), problems };
}

/** `on.pipeline` followers of a run that ended, at the same commit. */
export async function followersOf(run: RunRecord): Promise<void> {
  await startFollowers(dispatchDeps(), repositories().source(run.repo), run, `https://github.com/${run.repo}.git`);
}
