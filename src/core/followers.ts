/**
 * `on: { pipeline: { name, status } }`: when a run ends, the pipelines of the same repository
 * that follow it start at the same commit. Seeded by the upstream run, so a duplicate end
 * event starts nothing twice.
 */
import { dispatch, type DispatchDeps, type DispatchOutcome } from './dispatch.ts';
import { triggerEventOf } from './pipelines.ts';
import type { PipelineSource, RunRecord } from './ports.ts';
import type { RunFacts } from './run-facts.ts';

export async function startFollowers(
  deps: DispatchDeps,
  source: PipelineSource,
  run: RunRecord,
  repoUrl: string,
): Promise<DispatchOutcome> {
  const facts: RunFacts = {
    event: 'pipeline',
    repo: run.repo,
    repoUrl,
    sha: run.sha,
    ref: run.ref,
    branch: run.branch,
    tag: run.tag,
    actor: run.actor,
    pr: { number: 0, base: '', fork: false },
    // A fork's run starts its followers with the fork's commit: they stay untrusted.
    ...(run.untrusted ? { untrusted: true } : {}),
  };
  return dispatch(deps, source, {
    seed: `after:${run.id}`,
    facts,
    trigger: triggerEventOf(facts, { upstream: { pipeline: run.pipeline, status: run.status } }),
    parentRunId: run.id,
  });
}
