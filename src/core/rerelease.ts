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
import { invalid, notFound, ok } from './result.ts';

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
  const at = release.sha.slice(0, 12);
  const all = validPipelines(await source.readPipelineFiles(release.sha));
  if (!all) return invalid([{ message: `the pipeline files at ${at} are not valid` }]);
  const plan = releasePlan(all, release.pipeline, environment, release.outputs);
  if (!plan.ok) return notFound(`${plan.error.message} at ${at}`);
  const { pipeline, released } = plan.value;
  const outcome = await startPipelines(dispatch, [pipeline], [{ pipeline, inputs: {} }], {
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
      released,
    },
  });
  if (!outcome.ok) return outcome;
  const runs = outcome.value.runs.map((r) => r.runId).join(', ');
  return ok(`releasing ${at} (run ${release.run}) to ${environment}: run ${runs}`);
}
