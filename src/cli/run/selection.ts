/**
 * Which pipelines `sci run` runs: the named ones whatever their `on`, else those the event
 * starts; and the typed inputs of each (an input goes to the pipelines that declare it).
 */
import type { Loaded } from '../../core/pipelines.ts';
import type { EventName, Pipeline } from '../../../statemachines/pipeline/model.ts';
import { resolveInputs, type TriggerEvent } from '../../../statemachines/pipeline/triggers.ts';
import { formatDiagnostic } from '../../../statemachines/diagnostics.ts';

export interface SelectedRun {
  pipeline: Pipeline;
  inputs: Record<string, string | number | boolean>;
}

/** The matcher's view of a local invocation. */
export function triggerFor(event: EventName, branch: string, changedFiles: string[] | undefined): TriggerEvent {
  switch (event) {
    case 'push':
      return { event, branch, ...(changedFiles ? { changedFiles } : {}) };
    case 'pull_request':
      return { event, action: 'synchronize', baseBranch: branch, ...(changedFiles ? { changedFiles } : {}) };
    case 'schedule':
      return { event, cron: '' };
    case 'manual':
      return { event };
    case 'pipeline':
      return { event, upstream: '', status: 'succeeded' };
  }
}

export function selectPipelines(
  loaded: Extract<Loaded, { ok: true }>,
  names: string[],
  given: Record<string, string>,
): { ok: true; runs: SelectedRun[] } | { ok: false; errors: string[] } {
  const byId = new Map(loaded.all.map((p) => [p.id, p]));
  const errors = names
    .filter((n) => !byId.has(n))
    .map((n) => `no pipeline '${n}' (have: ${[...byId.keys()].join(', ') || 'none'})`);
  const pipelines = names.length > 0 ? names.flatMap((n) => byId.get(n) ?? []) : loaded.matched.map((m) => m.pipeline);
  for (const name of Object.keys(given)) {
    if (!pipelines.some((p) => p.triggers.manual?.inputs[name]))
      errors.push(`input '${name}' is declared by none of: ${pipelines.map((p) => p.id).join(', ')}`);
  }
  const runs: SelectedRun[] = [];
  for (const pipeline of pipelines) {
    const declared = pipeline.triggers.manual?.inputs ?? {};
    const mine = Object.fromEntries(Object.entries(given).filter(([k]) => Object.hasOwn(declared, k)));
    const typed = resolveInputs(pipeline, mine);
    if (typed.ok) runs.push({ pipeline, inputs: typed.value });
    else errors.push(...typed.diagnostics.map((d) => formatDiagnostic(d, pipeline.file)));
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, runs };
}
