/**
 * Redrive on the embedded engine (the local `ExecutionRedriver`): the run's definition compiled
 * again from the files at its commit (refused when it is not the one the run was bound to), the
 * run reopened in the store (attempt + 1, the steps that did not succeed back to pending), then
 * executed again in this process with the succeeded steps carried: not run, records kept.
 */
import { NotRedrivableError } from '../../src/core/control.ts';
import type { ExecutionRedriver, PipelineSource, RunRecord } from '../../src/core/ports.ts';
import { prepareRedrive } from '../../src/core/redrive-plan.ts';
import { LocalEngine, type EngineOptions } from './engine.ts';
import type { ExecutionOutcome, RunFacts } from './execution.ts';
import { clearCancelRequest } from './run-control.ts';

export interface LocalRedriveOptions {
  engine: Omit<EngineOptions, 'pipelines'>;
  /** The repository's pipeline files at a commit. */
  source: PipelineSource;
  /** Where builds clone from (`run.repoUrl`). */
  repoUrl: string;
  /** Aborts every redrive this redriver runs (Ctrl-C). */
  signal?: AbortSignal;
  /** Called once the run is executing again. */
  onStarted?(runId: string): void;
  now?: () => Date;
}

function factsOf(run: RunRecord, repoUrl: string): RunFacts {
  return {
    repo: run.repo, repoUrl, sha: run.sha, ref: run.ref, branch: run.branch, tag: run.tag, event: run.event, actor: run.actor,
    pr: { number: 0, base: run.event === 'pull_request' ? run.branch : '', fork: false },
    inputs: run.inputs,
  };
}

export class LocalRedriver implements ExecutionRedriver {
  private readonly running = new Map<string, Promise<ExecutionOutcome>>();

  constructor(private readonly o: LocalRedriveOptions) {}

  async redrive(executionArn: string): Promise<void> {
    const { store, dynamo, tableName } = this.o.engine;
    const runId = executionArn.replace(/^local:/, '');
    const found = await store.getRun(runId);
    if (!found) throw new NotRedrivableError(`no run ${runId}`);
    const prepared = await prepareRedrive(this.o.source, found, { tableName }, async (id) => (await store.getRun(id)) !== undefined);
    if (typeof prepared === 'string') throw new NotRedrivableError(prepared);
    // a cancel of the attempt that ended must not stop this one
    await clearCancelRequest({ dynamo, tableName }, runId);
    const count = await store.reopenRun(runId, prepared.again, (this.o.now?.() ?? new Date()).toISOString());
    if (count === undefined) throw new NotRedrivableError(`run ${runId} is not failed or cancelled (any more)`);
    const engine = new LocalEngine({ ...this.o.engine, pipelines: prepared.program });
    const outcome = engine.run({
      pipeline: prepared.root,
      facts: factsOf(found.run, this.o.repoUrl),
      runId,
      redrive: { carried: prepared.carried, priorTransitions: found.run.transitions ?? 0 },
      ...(this.o.signal ? { signal: this.o.signal } : {}),
      ...(this.o.onStarted ? { onCreated: this.o.onStarted } : {}),
    });
    this.running.set(runId, outcome);
    const forget = () => this.running.delete(runId);
    outcome.then(forget, forget);
  }

  /** The end of a redrive begun here, or undefined when none of `runId` is executing. */
  finished(runId: string): Promise<ExecutionOutcome> | undefined {
    return this.running.get(runId);
  }

  /** Resolves when every redrive begun here has ended. */
  async drained(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }
}
