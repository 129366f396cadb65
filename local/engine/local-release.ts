/**
 * Re-releases for the dashboard's Promote and Rollback buttons: the same steps `sci promote` /
 * `sci rollback` run (`releasePlan` at the release's sha, with its outputs given), started through
 * the core's `startPipelines` on the local runtime, as `sci run` starts them; the answer comes once
 * the run has started.
 */
import type { ControlResult } from '../../src/core/control.ts';
import { startPipelines, type DispatchDeps } from '../../src/core/dispatch.ts';
import { validPipelines } from '../../src/core/pipelines.ts';
import type { PipelineSource } from '../../src/core/ports.ts';
import { releasePlan } from '../../src/core/release-plan.ts';
import { invalid, notFound, ok } from '../../src/core/result.ts';
import type { Release } from '../../src/store/environments.ts';
import { newRunId } from './ulid.ts';

export interface LocalReleaseOptions {
  /** The local runtime's dispatch (local/runtime.ts). */
  dispatch: DispatchDeps;
  source: PipelineSource;
  /** The repository's name and clone URL, as `sci run` reads them (local/git-facts.ts). */
  repo: string;
  repoUrl: string;
  /** Who the runs are recorded as. */
  actor: string;
}

export class LocalReleaser {
  constructor(private readonly o: LocalReleaseOptions) {}

  /** Starts the steps releasing to `environment` at `release`'s sha with its outputs. */
  async rerelease(release: Release, environment: string): Promise<ControlResult> {
    const at = release.sha.slice(0, 12);
    const all = validPipelines(await this.o.source.readPipelineFiles(release.sha));
    if (!all) return invalid([{ message: `the pipeline files at ${at} are not valid` }]);
    const plan = releasePlan(all, release.pipeline, environment, release.outputs);
    if (!plan.ok) return notFound(`${plan.error.message} at ${at}`);
    const { pipeline, released } = plan.value;
    const outcome = await startPipelines(this.o.dispatch, [pipeline], [{ pipeline, inputs: {} }], {
      seed: `sci-ui:${newRunId()}`,
      facts: {
        repo: this.o.repo,
        repoUrl: this.o.repoUrl,
        sha: release.sha,
        ref: release.branch ? `refs/heads/${release.branch}` : '',
        branch: release.branch,
        tag: '',
        event: 'manual',
        actor: this.o.actor,
        pr: { number: 0, base: '', fork: false },
        released,
      },
    });
    if (!outcome.ok) return outcome;
    const runs = outcome.value.runs.map((r) => r.runId).join(', ');
    return ok(`releasing ${at} (run ${release.run}) to ${environment}: run ${runs}`);
  }
}
