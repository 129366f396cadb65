/**
 * `sci serve`'s dispatcher: the same normalisation and trigger matching as the Lambda, with the
 * pipeline files read from the local clone at the delivered commit and each matching pipeline
 * executed by the embedded engine (which records the run in the local store).
 */
import { loadPipelines, triggerEventOf } from '../core/pipelines.ts';
import type { PipelineSource, QueuedDelivery } from '../core/ports.ts';
import { normaliseDelivery, runFactsOf } from '../github/normalise.ts';
import type { Pipeline } from '../../statemachines/pipeline/model.ts';
import type { InputValues, RunFacts } from '../core/run-facts.ts';

/** Hands one matched pipeline to the local engine (queued; the run goes on in the background). */
export type LocalExecutor = (all: Pipeline[], pipeline: Pipeline, facts: RunFacts & { inputs: InputValues }) => void;

export interface LocalDispatchDeps {
  source: PipelineSource;
  execute: LocalExecutor;
  log: (line: string) => void;
}

export async function dispatchLocally(deps: LocalDispatchDeps, delivery: QueuedDelivery): Promise<void> {
  const normalised = normaliseDelivery(delivery);
  if (!normalised.ok) return deps.log(`${delivery.deliveryId}: ignored (${normalised.reason})`);
  const e = normalised.event;
  const facts = runFactsOf(e);
  const loaded = loadPipelines(await deps.source.readPipelineFiles(e.sha), triggerEventOf(facts, { action: e.action, headCommitMessage: e.headCommitMessage, ...(e.changedFiles ? { changedFiles: e.changedFiles } : {}) }));
  if (!loaded.ok) return deps.log(`${delivery.deliveryId}: pipelines invalid at ${e.sha.slice(0, 7)}; nothing runs`);
  for (const { pipeline, inputs } of loaded.matched) {
    const typed = inputs({});
    if (typed.ok) deps.execute(loaded.all, pipeline, { ...facts, inputs: typed.value });
    else deps.log(`${delivery.deliveryId}: ${pipeline.id}: ${typed.message}`);
  }
  deps.log(`${delivery.deliveryId}: ${e.event} ${e.branch || e.tag}@${e.sha.slice(0, 7)} → ${loaded.matched.map((m) => m.pipeline.id).join(', ') || 'no pipeline'}`);
}
