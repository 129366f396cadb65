/**
 * Re-releases on the embedded engine for the dashboard's Promote and Rollback buttons: the same
 * steps `sci promote` / `sci rollback` run (`releasePlan` at the release's sha, with its outputs
 * given), started in this process; the answer comes once the run is under way.
 */
import type { ControlResult } from '../../src/core/control.ts';
import { validPipelines } from '../../src/core/pipelines.ts';
import type { PipelineSource } from '../../src/core/ports.ts';
import { releasePlan } from '../../src/core/release-plan.ts';
import type { Release } from '../../src/store/environments.ts';
import { compileProgram } from '../../statemachines/compiler/program.ts';
import { formatDiagnostic } from '../../statemachines/diagnostics.ts';
import { LocalEngine, type EngineOptions } from './engine.ts';
import type { ExecutablePipeline, ExecutionOutcome } from './execution.ts';

export interface LocalReleaseOptions {
  engine: Omit<EngineOptions, 'pipelines'>;
  source: PipelineSource;
  /** The repository's name and clone URL, as `sci run` reads them (local/git-facts.ts). */
  repo: string;
  repoUrl: string;
  /** Who the runs are recorded as. */
  actor: string;
  /** Aborts every run this releaser started (the server stops). */
  signal?: AbortSignal;
}

export class LocalReleaser {
  private readonly running = new Set<Promise<ExecutionOutcome>>();

  constructor(private readonly o: LocalReleaseOptions) {}

  /** Starts the steps releasing to `environment` at `release`'s sha with its outputs. */
  async rerelease(release: Release, environment: string): Promise<ControlResult> {
    const all = validPipelines(await this.o.source.readPipelineFiles(release.sha));
    if (!all) return { ok: false, status: 409, message: `the pipeline files at ${release.sha.slice(0, 12)} are not valid` };
    const plan = releasePlan(all, release.pipeline, environment, release.outputs);
    if (typeof plan === 'string') return { ok: false, status: 409, message: `${plan} at ${release.sha.slice(0, 12)}` };
    const program = compileProgram([plan.pipeline], [plan.pipeline], { tableName: this.o.engine.tableName });
    if (!program.ok) return { ok: false, status: 409, message: program.diagnostics.map((d) => formatDiagnostic(d)).join('; ') };
    const engine = new LocalEngine({ ...this.o.engine, pipelines: program.value });
    let started: (runId: string) => void = () => undefined;
    const runId = new Promise<string>((resolve) => (started = resolve));
    const outcome = engine.run({
      pipeline: program.value.get(plan.pipeline.id) as ExecutablePipeline,
      facts: {
        repo: this.o.repo, repoUrl: this.o.repoUrl, sha: release.sha,
        ref: release.branch ? `refs/heads/${release.branch}` : '', branch: release.branch, tag: '', event: 'manual', actor: this.o.actor,
        pr: { number: 0, base: '', fork: false }, inputs: {}, released: plan.released,
      },
      onCreated: started,
      ...(this.o.signal ? { signal: this.o.signal } : {}),
    });
    this.running.add(outcome);
    const forget = () => this.running.delete(outcome);
    outcome.then(forget, forget);
    return { ok: true, message: `releasing ${release.sha.slice(0, 12)} (run ${release.run}) to ${environment}: run ${await runId}` };
  }

  /** Resolves when every run started here has ended. */
  async drained(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}
