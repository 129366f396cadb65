/**
 * Acting on a run from outside (the API Lambda): approvals go to the task token the approval
 * step stored; a cancel stops the execution, and the reporter records the end when Step
 * Functions reports ABORTED.
 */
import type { ExecutionStarter, RunStore, TaskTokens } from './ports.ts';

export type ControlResult = { ok: true; message: string } | { ok: false; status: 404 | 409; message: string };

export interface ControlDeps {
  store: RunStore;
  executions: Pick<ExecutionStarter, 'stop'>;
  tokens: TaskTokens;
}

/** Approves or rejects a waiting approval step (`sci.Rejected` is the error the ASL routes on). */
export async function decide(deps: ControlDeps, runId: string, stepKey: string, decision: 'approve' | 'reject', by: string): Promise<ControlResult> {
  let token: string;
  try {
    // The store keeps the first decision; a retried request gets the same token back.
    token = await deps.store.recordApprovalDecision(runId, stepKey, decision === 'approve' ? 'approved' : 'rejected', by);
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
  if (run.status !== 'queued' && run.status !== 'running') return { ok: false, status: 409, message: `run ${runId} already ${run.status}` };
  if (!run.executionArn) return { ok: false, status: 409, message: `run ${runId} has no execution yet` };
  await deps.executions.stop(run.executionArn, `cancelled by ${by}`);
  return { ok: true, message: `cancelling run ${runId}` };
}
