/**
 * Deterministic AWS resource names. Step Functions allows `[A-Za-z0-9-_]`, ≤ 80 chars for
 * state machines and executions; Scheduler allows ≤ 64.
 */
import { createHash } from 'node:crypto';

const shortHash = (text: string, length: number) => createHash('sha256').update(text).digest('hex').slice(0, length);

function fit(prefix: string, slug: string, max: number, uniqueBy: string): string {
  const name = `${prefix}${slug}`;
  if (name.length <= max) return name;
  // Truncation could make two ids collide; a hash of the full id keeps them apart.
  const tail = `-${shortHash(uniqueBy, 8)}`;
  return `${prefix}${slug.slice(0, max - prefix.length - tail.length)}${tail}`;
}

const slugify = (id: string) => id.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'pipeline';

/** `sci-<hash of repo>-<pipeline id slug>`, ≤ 80 chars: one state machine per pipeline. */
export function stateMachineName(prefix: string, repo: string, pipelineId: string): string {
  return fit(`${prefix}${shortHash(repo.toLowerCase(), 10)}-`, slugify(pipelineId), 80, pipelineId);
}

/** `sci-<hash of repo>-<pipeline slug>-<hash of cron>`, ≤ 64 chars. */
export function scheduleName(prefix: string, repo: string, pipelineId: string, cron: string): string {
  return fit(
    `${prefix}${shortHash(repo.toLowerCase(), 10)}-`,
    `${slugify(pipelineId)}-${shortHash(cron, 6)}`,
    64,
    `${pipelineId}\0${cron}`,
  );
}

/** The prefix every schedule of `repo` starts with (to list and prune them). */
export function schedulePrefix(prefix: string, repo: string): string {
  return `${prefix}${shortHash(repo.toLowerCase(), 10)}-`;
}

/** `arn:aws:states:r:a:stateMachine:name[:version]` → the ARN of its execution `name`. */
export function executionArnFor(stateMachineArn: string, executionName: string): string {
  const parts = stateMachineArn.split(':');
  return [...parts.slice(0, 5), 'execution', parts[6], executionName].join(':');
}

/** The Step Functions console page of an execution (commit status links point there). */
export function consoleUrl(executionArn: string): string {
  const region = executionArn.split(':')[3] ?? 'us-east-1';
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/**
 * The CodeBuild console page of a build, from its ARN (`arn:aws:codebuild:<region>:<account>:build/<project>:<uuid>`,
 * what the reporter stores as a step's `buildId`): `…/codesuite/codebuild/projects/<project>/build/<project>%3A<uuid>`,
 * the address the Jenkins CodeBuild plugin links (jenkinsci/codebuild-cloud-plugin, `CodeBuildComputer.getBuildUrl`).
 * Undefined for anything else: a local run has no build.
 */
export function buildConsoleUrl(buildArn: string | undefined): string | undefined {
  const m = /^arn:aws:codebuild:([a-z0-9-]+):\d{12}:build\/([A-Za-z0-9][A-Za-z0-9_-]*):([0-9a-f-]+)$/.exec(
    buildArn ?? '',
  );
  if (!m) return undefined;
  const [, region, project, uuid] = m;
  return `https://${region}.console.aws.amazon.com/codesuite/codebuild/projects/${project}/build/${encodeURIComponent(`${project}:${uuid}`)}?region=${region}`;
}
