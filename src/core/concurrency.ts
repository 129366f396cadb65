/**
 * `concurrency: { group, cancel_in_progress }`, GitHub Actions' semantics: at most one run of a
 * group is in progress. With `cancel_in_progress` a newer run cancels the older ones; without it the
 * newer run waits (`queued`, `waitingFor` set) until the one in progress ends, and a newer arrival
 * replaces the waiting one. The queue is the run store itself (the waiting run keeps how to start
 * its execution), so it survives a restart of `sci serve` and a cold Lambda: whoever records the
 * end of a group's run (the reporter) starts the next.
 */
import type { Pipeline } from '../../statemachines/pipeline/model.ts';
import type { Clock, ExecutionStarter, RunRecord, RunStore, StatusReporter } from './ports.ts';
import { renderTemplate } from './render-template.ts';
import { expressionContext, type InputValues, type RunFacts } from './run-facts.ts';

export interface QueueDeps {
  store: RunStore;
  executions: ExecutionStarter;
  statuses: StatusReporter;
  clock: Clock;
  /** Link for commit statuses, from the execution's ARN and the run id. */
  runUrl: (executionArn: string, runId: string) => string;
}

/** The rendered group name, or undefined when the pipeline declares none. */
export function concurrencyGroupOf(pipeline: Pipeline, runId: string, facts: RunFacts, inputs: InputValues) {
  if (!pipeline.concurrency) return undefined;
  const name = renderTemplate(pipeline.concurrency.group, expressionContext(runId, pipeline.id, facts, inputs));
  return { name, cancelInProgress: pipeline.concurrency.cancelInProgress };
}

/** A run that waits its turn in its group (it has no execution yet). */
export const isWaiting = (run: RunRecord) => run.status === 'queued' && run.waitingFor !== undefined;

/** The group's runs still queued or running other than `run` and created no later, newest first. */
async function olderInGroup(store: RunStore, run: RunRecord, group: string): Promise<RunRecord[]> {
  const active = await store.findRunsInGroup(run.repo, group);
  return active.filter((r) => r.id !== run.id && r.createdAt <= run.createdAt);
}

/** The run in progress in `group` (the newest one not waiting itself, other than `runId`), if any. */
export async function inProgressOf(
  store: RunStore,
  repo: string,
  group: string,
  runId: string,
): Promise<RunRecord | undefined> {
  return (await store.findRunsInGroup(repo, group)).find((r) => r.id !== runId && !isWaiting(r));
}

/**
 * Ends `run` as cancelled: its execution is stopped (the reporter then records the end and posts the
 * status); a run that never started has no execution whose end would, so its status is posted here.
 */
async function cancelRun(deps: QueueDeps, run: RunRecord, reason: string): Promise<void> {
  if (run.executionArn) await deps.executions.stop(run.executionArn, reason);
  const moved = await deps.store.transitionRun(run.id, 'cancelled', {
    endedAt: deps.clock.now().toISOString(),
    reason,
  });
  if (moved && !run.executionArn) {
    await deps.statuses.setStatus(run.repo, run.sha, {
      context: `sci/${run.pipeline}`,
      state: 'error',
      description: `cancelled: ${reason}`.slice(0, 140),
    });
  }
}

/** `cancel_in_progress`: every older unfinished run of the group is cancelled. */
export async function cancelOlderRuns(deps: QueueDeps, newer: RunRecord, group: string): Promise<string[]> {
  const older = await olderInGroup(deps.store, newer, group);
  const reason = `cancelled by run ${newer.id} (${newer.event} of ${newer.sha.slice(0, 7)}) in concurrency group ${group}`;
  for (const run of older) await cancelRun(deps, run, reason);
  return older.map((r) => r.id);
}

/** Without `cancel_in_progress`: older runs still waiting are replaced by `newer` (only the newest waits). */
export async function replaceWaitingRuns(deps: QueueDeps, newer: RunRecord, group: string): Promise<string[]> {
  const waiting = (await olderInGroup(deps.store, newer, group)).filter(isWaiting);
  const reason = `replaced by run ${newer.id} (${newer.event} of ${newer.sha.slice(0, 7)}) in concurrency group ${group}`;
  for (const run of waiting) await cancelRun(deps, run, reason);
  return waiting.map((r) => r.id);
}

/**
 * Starts a waiting run's execution. Moving it to `running` is the claim: of two callers (the reporter
 * of the run it waited for, the dispatcher re-checking) only one starts it. A start that fails
 * ends the run as failed rather than leave it running with no execution.
 */
export async function startWaitingRun(deps: QueueDeps, run: RunRecord): Promise<boolean> {
  if (!run.queuedStart) return false;
  if (!(await deps.store.transitionRun(run.id, 'running', { startedAt: deps.clock.now().toISOString() }))) return false;
  let executionArn: string;
  try {
    executionArn = await deps.executions.start({
      stateMachine: run.queuedStart.stateMachine,
      name: run.id,
      input: JSON.parse(run.queuedStart.input) as unknown,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await deps.store.transitionRun(run.id, 'failed', {
      endedAt: deps.clock.now().toISOString(),
      reason: `could not start: ${message}`.slice(0, 500),
    });
    throw error;
  }
  await deps.store.setRunExecution(run.id, executionArn);
  await deps.statuses.setStatus(run.repo, run.sha, {
    context: `sci/${run.pipeline}`,
    state: 'pending',
    description: `${run.pipeline}: running`,
    targetUrl: deps.runUrl(executionArn, run.id),
  });
  return true;
}

/** After a run of `group` ended: when nothing else is in progress, the newest waiting run starts (older waiting ones are replaced). */
export async function startNextInGroup(deps: QueueDeps, repo: string, group: string): Promise<string | undefined> {
  const active = await deps.store.findRunsInGroup(repo, group);
  if (active.some((r) => !isWaiting(r))) return undefined;
  const [next, ...older] = active;
  if (!next) return undefined;
  for (const run of older) await cancelRun(deps, run, `replaced by run ${next.id} in concurrency group ${group}`);
  return (await startWaitingRun(deps, next)) ? next.id : undefined;
}

/** Every group whose queue has no run in progress starts its next run (after a restart of `sci serve`). */
export async function resumeQueues(deps: QueueDeps): Promise<string[]> {
  const groups = new Map<string, { repo: string; group: string }>();
  for (const run of (await deps.store.listActiveRuns()).filter(isWaiting)) {
    if (run.concurrencyGroup)
      groups.set(`${run.repo}\0${run.concurrencyGroup}`, { repo: run.repo, group: run.concurrencyGroup });
  }
  const started: string[] = [];
  for (const { repo, group } of groups.values()) {
    const id = await startNextInGroup(deps, repo, group);
    if (id) started.push(id);
  }
  return started;
}
