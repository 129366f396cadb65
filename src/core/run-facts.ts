/**
 * The facts about one run that the trigger decided (who, what commit, which event) and
 * the execution input built from them, per the execution contract in docs/architecture.md.
 */
import type { EventName } from '../../statemachines/pipeline/model.ts';
import type { RunRecord } from './ports.ts';

export interface RunFacts {
  event: EventName;
  repo: string;
  repoUrl: string;
  sha: string;
  ref: string;
  branch: string;
  tag: string;
  actor: string;
  pr: { number: number; base: string; fork: boolean };
  /** A re-release only: the outputs of the steps it does not run (`Pipeline.released`). */
  released?: Record<string, { outputs: Record<string, string> }>;
  /**
   * Set by the dispatcher on runs a trusted event did not start: a follower of a fork's run is as
   * untrusted as that run. A pull request from a fork is untrusted whatever this says.
   */
  untrusted?: boolean;
}

/**
 * Where a run's builds keep artifacts and caches in the artifact bucket. Untrusted runs (pull
 * requests from forks) have a namespace of their own: trusted builds never read it, so a fork
 * cannot plant an artifact or a cache entry that a trusted build restores (docs/security.md).
 */
export const BUILD_NAMESPACES = {
  trusted: { artifacts: 'runs', cache: 'cache' },
  untrusted: { artifacts: 'untrusted/runs', cache: 'untrusted/cache' },
} as const;

/** The CodeBuild service roles builds run as (`ServiceRoleOverride`); empty locally. */
export interface BuildRoles {
  trusted: string;
  untrusted: string;
}

/** `run.builds` of the execution input: the dispatcher's trust decision, which the compiled steps apply. */
export interface BuildIsolation {
  untrusted: boolean;
  role: string;
  artifacts: string;
  cache: string;
}

/**
 * The facts a recorded run was started with, to start it again (a redrive) or to start what
 * follows it. The pull request number is not recorded; its base is the run's branch.
 */
export function factsOfRun(run: RunRecord, repoUrl: string): RunFacts {
  return {
    repo: run.repo,
    repoUrl,
    sha: run.sha,
    ref: run.ref,
    branch: run.branch,
    tag: run.tag,
    event: run.event,
    actor: run.actor,
    pr: { number: 0, base: run.event === 'pull_request' ? run.branch : '', fork: false },
    // the dispatcher's trust decision is kept in the record: what a fork started stays untrusted
    ...(run.untrusted ? { untrusted: true } : {}),
  };
}

/** Decided from the event alone, never from the pipeline file: a fork's pull request, or what one started. */
export function isUntrusted(facts: RunFacts): boolean {
  return facts.pr.fork || facts.untrusted === true;
}

export function buildIsolation(facts: RunFacts, roles: BuildRoles = { trusted: '', untrusted: '' }): BuildIsolation {
  const untrusted = isUntrusted(facts);
  const namespace = untrusted ? BUILD_NAMESPACES.untrusted : BUILD_NAMESPACES.trusted;
  return { untrusted, role: untrusted ? roles.untrusted : roles.trusted, ...namespace };
}

export type InputValues = Record<string, string | number | boolean>;

/** Every field present (no JSONPath ever fails on a missing key). */
export function executionInput(
  runId: string,
  pipelineId: string,
  facts: RunFacts,
  inputs: InputValues,
  callees: Record<string, string>,
  roles?: BuildRoles,
) {
  return {
    run: {
      id: runId,
      pipeline: pipelineId,
      repo: facts.repo,
      repoUrl: facts.repoUrl,
      sha: facts.sha,
      ref: facts.ref,
      branch: facts.branch,
      tag: facts.tag,
      event: facts.event,
      actor: facts.actor,
      pr: { number: facts.pr.number, base: facts.pr.base, fork: facts.pr.fork },
      inputs,
      callees,
      builds: buildIsolation(facts, roles),
      ...(facts.released ? { released: facts.released } : {}),
    },
    steps: {},
  };
}

/** Values an expression in a concurrency group may read (a subset: no matrix, no step status). */
export function expressionContext(
  runId: string,
  pipelineId: string,
  facts: RunFacts,
  inputs: InputValues,
): Record<string, unknown> {
  return {
    event: facts.event,
    branch: facts.branch,
    tag: facts.tag,
    sha: facts.sha,
    ref: facts.ref,
    repo: facts.repo,
    actor: facts.actor,
    pr: facts.pr,
    inputs,
    pipeline: { id: pipelineId },
    run: { id: runId },
  };
}
