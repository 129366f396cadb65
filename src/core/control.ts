/**
 * Acting on a run from outside (the API Lambda, the dashboard, `sci approve`/`reject`/`redrive`):
 * approvals go to the task token the approval step stored; a cancel stops the execution, and the
 * reporter records the end when the execution reports ABORTED.
 */
import { REDRIVABLE_RUN_STATUSES } from '../../statemachines/lifecycle.ts';
import type { ExecutionRedriver, ExecutionStarter, RunStore, RunWithSteps, TaskTokens } from './ports.ts';

export type ControlResult = { ok: true; message: string } | { ok: false; status: 404 | 409; message: string };

export interface ControlDeps {
  store: RunStore;
  executions: Pick<ExecutionStarter, 'stop'>;
  tokens: TaskTokens;
}

/** Approves or rejects a waiting approval step (`sci.Rejected` is the error the ASL routes on). */
export async function decide(
  deps: ControlDeps,
  runId: string,
  stepKey: string,
  decision: 'approve' | 'reject',
  by: string,
): Promise<ControlResult> {
  let token: string;
  try {
    // The store keeps the first decision; a retried request gets the same token back.
    token = await deps.store.recordApprovalDecision(
      runId,
      stepKey,
      decision === 'approve' ? 'approved' : 'rejected',
      by,
    );
  } catch (error) {
    const notFound = error instanceof Error && error.name === 'StepNotFoundError';
    return { ok: false, status: notFound ? 404 : 409, message: error instanceof Error ? error.message : String(error) };
  }
  if (decision === 'approve') await deps.tokens.succeed(token, { decision: 'approved', by });
  else await deps.tokens.fail(token, 'sci.Rejected', `rejected by ${by}`);
  return { ok: true, message: `${decision === 'approve' ? 'approved' : 'rejected'} ${stepKey} of run ${runId}` };
}

/** Stops a run's execution. */
export async function cancel(deps: ControlDeps, runId: string, by: string): Promise<ControlResult> {
  const found = await deps.store.getRun(runId);
  if (!found) return { ok: false, status: 404, message: `no run ${runId}` };
  const { run } = found;
  if (run.status !== 'queued' && run.status !== 'running')
    return { ok: false, status: 409, message: `run ${runId} already ${run.status}` };
  if (!run.executionArn) return { ok: false, status: 409, message: `run ${runId} has no execution yet` };
  await deps.executions.stop(run.executionArn, `cancelled by ${by}`);
  return { ok: true, message: `cancelling run ${runId}` };
}

/** Step keys of a run split into those that run again and those carried; a message when none runs again. */
export function redriveSplit(found: RunWithSteps): { again: string[]; carried: string[] } | string {
  const again = found.steps.filter((s) => s.status !== 'succeeded').map((s) => s.key);
  if (again.length === 0) return `every step of run ${found.run.id} succeeded: nothing to redrive`;
  return { again, carried: found.steps.filter((s) => s.status === 'succeeded').map((s) => s.key) };
}

/** An engine's refusal to redrive (Step Functions' `ExecutionNotRedrivable`, a definition that changed). */
export class NotRedrivableError extends Error {
  override readonly name = 'NotRedrivableError';
}

export interface RedriveDeps {
  store: RunStore;
  redriver: ExecutionRedriver;
}

/** Resumes a failed or cancelled run at its steps that did not succeed; succeeded steps are not run again. */
export async function redrive(deps: RedriveDeps, runId: string): Promise<ControlResult> {
  const found = await deps.store.getRun(runId);
  if (!found) return { ok: false, status: 404, message: `no run ${runId}` };
  const { run } = found;
  if (!(REDRIVABLE_RUN_STATUSES as readonly string[]).includes(run.status)) {
    return {
      ok: false,
      status: 409,
      message: `run ${runId} is ${run.status}: only a failed or cancelled run can be redriven`,
    };
  }
  if (run.parentRunId)
    return { ok: false, status: 409, message: `run ${runId} was started by run ${run.parentRunId}: redrive that run` };
  if (!run.executionArn) return { ok: false, status: 409, message: `run ${runId} has no execution to redrive` };
  const split = redriveSplit(found);
  if (typeof split === 'string') return { ok: false, status: 409, message: split };
  try {
    await deps.redriver.redrive(run.executionArn);
  } catch (error) {
    if (error instanceof NotRedrivableError) return { ok: false, status: 409, message: error.message };
    throw error;
  }
  return { ok: true, message: `redriving run ${runId} (attempt ${(run.redriveCount ?? 0) + 2})` };
}
