/**
 * `on: { pipeline: { name, status } }`: when a run ends, the pipelines of the same repository
 * that follow it start at the same commit. Seeded by the upstream run, so a duplicate end
 * event starts nothing twice.
 */
import { dispatch, type DispatchDeps, type DispatchOutcome } from './dispatch.ts';
import { triggerEventOf } from './pipelines.ts';
import type { PipelineSource, RunRecord } from './ports.ts';
import { factsOfRun, type RunFacts } from './run-facts.ts';

export async function startFollowers(
  deps: DispatchDeps,
  source: PipelineSource,
  run: RunRecord,
  repoUrl: string,
): Promise<DispatchOutcome> {
  // followers start on the run's commit as events of their own; a fork's run's followers stay untrusted
  const facts: RunFacts = { ...factsOfRun(run, repoUrl), event: 'pipeline', pr: { number: 0, base: '', fork: false } };
  return dispatch(deps, source, {
    seed: `after:${run.id}`,
    facts,
    trigger: triggerEventOf(facts, { upstream: { pipeline: run.pipeline, status: run.status } }),
    parentRunId: run.id,
  });
}
