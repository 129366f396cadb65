/**
 * Acting on a run from outside (the API Lambda, the dashboard, `sci cancel`/`approve`/`reject`/
 * `redrive`): a decision is recorded on the approval step, then released through the task token
 * it stored (locally there is none to send: the waiting task reads the recorded decision); a
 * cancel stops the execution, and the reporter records the end when the execution reports
 * ABORTED. A run still queued in its concurrency group has no execution: a cancel ends it here
 * and posts its status.
 */
import { REDRIVABLE_RUN_STATUSES } from '../../statemachines/lifecycle.ts';
import { cancelQueuedRun, isWaiting, type QueueDeps, startGroupHolder } from './concurrency.ts';
import type {
  Clock,
  ExecutionRedriver,
  ExecutionStarter,
  RunStore,
  RunWithSteps,
  StatusReporter,
  TaskTokens,
} from './ports.ts';
import { conflict, fromPort, notFound, ok, Refusal, type Result } from './result.ts';

/** What an action did, in words, or why it did not (src/core/result.ts). */
export type ControlResult = Result<string>;

export interface ControlDeps {
  store: RunStore;
  executions: Pick<ExecutionStarter, 'stop'>;
  tokens: TaskTokens;
  /** Where the end of a run cancelled before it started is posted (no execution's end will). */
  statuses: StatusReporter;
  clock: Clock;
  /**
   * Starts the run a cancelled holder of a concurrency group hands it to. Absent where nothing
   * executes runs (`sci cancel`, a dashboard without a runtime): the group's next arrival, or the
   * `sci run` waiting for that run, starts it then.
   */
  queue?: QueueDeps;
}

/** Approves or rejects a waiting approval step (`sci.Rejected` is the error the ASL routes on). */
export async function decide(
  deps: ControlDeps,
  runId: string,
  stepKey: string,
  decision: 'approve' | 'reject',
  by: string,
): Promise<ControlResult> {
  // The store keeps the first decision; a retried request gets the same token back.
  const token = await fromPort(() =>
    deps.store.recordApprovalDecision(runId, stepKey, decision === 'approve' ? 'approved' : 'rejected', by),
  );
  if (!token.ok) return token;
  if (decision === 'approve') await deps.tokens.succeed(token.value, { decision: 'approved', by });
  else await deps.tokens.fail(token.value, 'sci.Rejected', `rejected by ${by}`);
  return ok(`${decision === 'approve' ? 'approved' : 'rejected'} ${stepKey} of run ${runId}`);
}

/**
 * Stops a run's execution; a run of a concurrency group that has not started (it waits, or its
 * start is under way) ends here as cancelled, leaving its place in the group to the next run.
 */
export async function cancel(deps: ControlDeps, runId: string, by: string): Promise<ControlResult> {
  const found = await deps.store.getRun(runId);
  if (!found) return notFound(`no run ${runId}`);
  let { run } = found;
  if (run.status !== 'queued' && run.status !== 'running')
    return conflict('ended', `run ${runId} already ${run.status}`);
  const group = run.concurrencyGroup;
  if (!run.executionArn && run.status === 'queued' && group) {
    const reason = `cancelled by ${by}${isWaiting(run) ? ' while waiting' : ''}`;
    if (await cancelQueuedRun(deps, run, reason)) {
      if (deps.queue) await startGroupHolder(deps.queue, run.repo, group);
      return ok(`cancelled run ${runId} (it had not started)`);
    }
    // It started between the read and the cancel: stop its execution, if it is recorded yet.
    run = (await deps.store.getRun(runId))?.run ?? run;
  }
  if (!run.executionArn) return conflict('no-execution', `run ${runId} has no execution yet`);
  await deps.executions.stop(run.executionArn, `cancelled by ${by}`);
  return ok(`cancelling run ${runId}`);
}

/** Step keys of a run split into those that run again and those carried; a conflict when none runs again. */
export function redriveSplit(found: RunWithSteps): Result<{ again: string[]; carried: string[] }> {
  const again = found.steps.filter((s) => s.status !== 'succeeded').map((s) => s.key);
  if (again.length === 0)
    return conflict('nothing-to-redrive', `every step of run ${found.run.id} succeeded: nothing to redrive`);
  return ok({ again, carried: found.steps.filter((s) => s.status === 'succeeded').map((s) => s.key) });
}

/** An engine's refusal to redrive (Step Functions' `ExecutionNotRedrivable`, a definition that changed). */
export class NotRedrivableError extends Refusal {
  override name = 'NotRedrivableError';
  constructor(message: string) {
    super({ kind: 'conflict', reason: 'not-redrivable', message });
  }
}

export interface RedriveDeps {
  store: RunStore;
  redriver: ExecutionRedriver;
}

/** Resumes a failed or cancelled run at its steps that did not succeed; succeeded steps are not run again. */
export async function redrive(deps: RedriveDeps, runId: string): Promise<ControlResult> {
  const found = await deps.store.getRun(runId);
  if (!found) return notFound(`no run ${runId}`);
  const { run } = found;
  if (!(REDRIVABLE_RUN_STATUSES as readonly string[]).includes(run.status))
    return conflict('not-redrivable', `run ${runId} is ${run.status}: only a failed or cancelled run can be redriven`);
  if (run.parentRunId)
    return conflict('not-redrivable', `run ${runId} was started by run ${run.parentRunId}: redrive that run`);
  if (!run.executionArn) return conflict('no-execution', `run ${runId} has no execution to redrive`);
  const split = redriveSplit(found);
  if (!split.ok) return split;
  const redriven = await fromPort(() => deps.redriver.redrive(run.executionArn as string));
  if (!redriven.ok) return redriven;
  return ok(`redriving run ${runId} (attempt ${(run.redriveCount ?? 0) + 2})`);
}
