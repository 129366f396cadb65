/**
 * A re-release (promote, rollback) started as a run: the steps releasing to one environment at a
 * release's sha with its outputs given (`releasePlan`), started through `startPipelines` as any
 * run is. Shared by the local dashboard (local runtime) and the API Lambda (Step Functions).
 */
import type { ControlResult } from './control.ts';
import { startPipelines, type DispatchDeps } from './dispatch.ts';
import { validPipelines } from './pipelines.ts';
import type { PipelineSource } from './ports.ts';
import { releasePlan } from './release-plan.ts';

/** What a re-release needs of a release record (the store's `Release`). */
export interface ReleaseToRepeat {
  pipeline: string;
  run: string;
  sha: string;
  branch: string;
  outputs: Record<string, Record<string, string>>;
}

export interface RereleaseFacts {
  repo: string;
  repoUrl: string;
  /** Who the run is recorded as. */
  actor: string;
  /** Makes the run id; a retried request with the same seed starts nothing new. */
  seed: string;
}

export async function rerelease(
  dispatch: DispatchDeps,
  source: PipelineSource,
  release: ReleaseToRepeat,
  environment: string,
  facts: RereleaseFacts,
): Promise<ControlResult> {
  const all = validPipelines(await source.readPipelineFiles(release.sha));
  if (!all)
    return { ok: false, status: 409, message: `the pipeline files at ${release.sha.slice(0, 12)} are not valid` };
  const plan = releasePlan(all, release.pipeline, environment, release.outputs);
  if (typeof plan === 'string') return { ok: false, status: 409, message: `${plan} at ${release.sha.slice(0, 12)}` };
  const outcome = await startPipelines(dispatch, [plan.pipeline], [{ pipeline: plan.pipeline, inputs: {} }], {
    seed: facts.seed,
    facts: {
      repo: facts.repo,
      repoUrl: facts.repoUrl,
      sha: release.sha,
      ref: release.branch ? `refs/heads/${release.branch}` : '',
      branch: release.branch,
      tag: '',
      event: 'manual',
      actor: facts.actor,
      pr: { number: 0, base: '', fork: false },
      released: plan.released,
    },
  });
  if (outcome.kind === 'rejected') return { ok: false, status: 409, message: outcome.message };
  if (outcome.kind === 'invalid')
    return { ok: false, status: 409, message: outcome.problems.map((p) => p.message).join('; ') };
  const runs = outcome.runs.map((r) => r.runId).join(', ');
  return {
    ok: true,
    message: `releasing ${release.sha.slice(0, 12)} (run ${release.run}) to ${environment}: run ${runs}`,
  };
}
