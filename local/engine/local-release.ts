/**
 * Re-releases for the dashboard's Promote and Rollback buttons: the same steps `sci promote` /
 * `sci rollback` run, started through the core's `rerelease` on the local runtime, as `sci run`
 * starts them; the answer comes once the run has started.
 */
import type { ControlResult } from '../../src/core/control.ts';
import type { DispatchDeps } from '../../src/core/dispatch.ts';
import type { PipelineSource } from '../../src/core/ports.ts';
import { rerelease, type ReleaseToRepeat } from '../../src/core/rerelease.ts';
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
  rerelease(release: ReleaseToRepeat, environment: string): Promise<ControlResult> {
    return rerelease(this.o.dispatch, this.o.source, release, environment, {
      repo: this.o.repo,
      repoUrl: this.o.repoUrl,
      actor: this.o.actor,
      seed: `sci-ui:${newRunId()}`,
    });
  }
}
