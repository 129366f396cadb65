/**
 * Runs that start from a branch name rather than a pushed commit (manual and scheduled):
 * the branch's head commit is resolved first, then only the named pipeline is dispatched.
 */
import { dispatch, type DispatchDeps, type DispatchOutcome } from './dispatch.ts';
import { triggerEventOf } from './pipelines.ts';
import type { RepositoryReader } from './ports.ts';
import type { RunFacts } from './run-facts.ts';

export interface BranchRunRequest {
  event: 'manual' | 'schedule';
  repo: string;
  repoUrl: string;
  pipeline: string;
  branch: string;
  actor: string;
  /** Unique per request (API request id, scheduler invocation id): a retry starts no second run. */
  seed: string;
  inputs?: Record<string, unknown>;
  /** The cron that fired (scheduled runs). */
  cron?: string;
}

export async function startBranchRun(
  deps: DispatchDeps,
  repos: RepositoryReader,
  request: BranchRunRequest,
): Promise<DispatchOutcome> {
  const sha = await repos.resolveBranch(request.repo, request.branch);
  const facts: RunFacts = {
    event: request.event,
    repo: request.repo,
    repoUrl: request.repoUrl,
    sha,
    ref: `refs/heads/${request.branch}`,
    branch: request.branch,
    tag: '',
    actor: request.actor,
    pr: { number: 0, base: '', fork: false },
  };
  return dispatch(deps, repos.source(request.repo), {
    seed: request.seed,
    facts,
    trigger: triggerEventOf(facts, request.cron ? { cron: request.cron } : {}),
    only: request.pipeline,
    ...(request.inputs ? { inputs: request.inputs } : {}),
  });
}
