/**
 * `concurrency: { group, cancel_in_progress }`: a newer run of a group stops the older ones
 * still in flight, and each stopped run records why.
 */
import type { Pipeline } from '../../statemachines/pipeline/model.ts';
import type { Clock, ExecutionStarter, RunRecord, RunStore } from './ports.ts';
import { renderTemplate } from './render-template.ts';
import { expressionContext, type InputValues, type RunFacts } from './run-facts.ts';

/** The rendered group name, or undefined when the pipeline declares none. */
export function concurrencyGroupOf(pipeline: Pipeline, runId: string, facts: RunFacts, inputs: InputValues) {
  if (!pipeline.concurrency) return undefined;
  const name = renderTemplate(pipeline.concurrency.group, expressionContext(runId, pipeline.id, facts, inputs));
  return { name, cancelInProgress: pipeline.concurrency.cancelInProgress };
}

/** Stops every older, unfinished run of `group` in the repository, then marks it cancelled. */
export async function cancelOlderRuns(
  deps: { store: RunStore; executions: ExecutionStarter; clock: Clock },
  newer: RunRecord,
  group: string,
): Promise<string[]> {
  const inFlight = await deps.store.findRunsInGroup(newer.repo, group);
  const older = inFlight.filter((r) => r.id !== newer.id && r.createdAt <= newer.createdAt);
  const reason = `cancelled by run ${newer.id} (${newer.event} of ${newer.sha.slice(0, 7)}) in concurrency group ${group}`;
  for (const run of older) {
    if (run.executionArn) await deps.executions.stop(run.executionArn, reason);
    await deps.store.transitionRun(run.id, 'cancelled', { endedAt: deps.clock.now().toISOString(), reason });
  }
  return older.map((r) => r.id);
}
