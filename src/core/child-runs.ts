/**
 * Runs of `pipeline:` steps on AWS. The compiled definition starts each callee as a child
 * execution whose run id is `<parent run id>.<step key>`; the dispatcher records those runs up
 * front (queued, with their pending steps), as it does for the parent, so the child's own status
 * writes find their items; the reporter settles the ones that never started when the parent ends.
 */
import type { CompiledPipeline } from '../../statemachines/compiler/compile.ts';
import type { RunRecord, RunStore, RunWithSteps } from './ports.ts';
import { pendingStepRecords } from './pending-steps.ts';

/** The run id the compiled ASL gives the child started by `stepKey` (see the compiler's call step). */
export const childRunId = (parentRunId: string, stepKey: string) => `${parentRunId}.${stepKey}`;

/** A run of a `pipeline:` step (its id is its caller's plus the step key), not a follower that names its upstream run. */
export const isChildRun = (run: RunRecord) => run.parentRunId !== undefined && run.id.startsWith(`${run.parentRunId}.`);

/** Records the queued child runs of `parent`, and theirs, from the compiled program. */
export async function createChildRuns(
  store: RunStore,
  parent: RunRecord,
  program: Map<string, CompiledPipeline>,
): Promise<void> {
  for (const call of program.get(parent.pipeline)?.steps ?? []) {
    const unit = call.calls === undefined ? undefined : program.get(call.calls);
    if (!unit) continue;
    const { concurrencyGroup: _group, executionArn: _arn, startedAt: _started, ...inherited } = parent;
    const child: RunRecord = {
      ...inherited,
      id: childRunId(parent.id, call.key),
      pipeline: unit.pipelineId,
      status: 'queued',
      event: 'pipeline',
      // The caller's step computes the child's inputs when it starts; the execution input has them.
      inputs: {},
      definitionHash: unit.hash,
      parentRunId: parent.id,
    };
    await store.createRun(child, pendingStepRecords(child.id, unit.steps));
    await createChildRuns(store, child, program);
  }
}

/** Ends the child runs of an ended run that never started (their `pipeline:` step was skipped or never reached). */
export async function settleChildRuns(store: RunStore, ended: RunWithSteps, endedAt: string): Promise<void> {
  for (const step of ended.steps.filter((s) => s.kind === 'pipeline')) {
    const child = await store.getRun(childRunId(ended.run.id, step.key));
    if (child?.run.status !== 'queued') continue;
    await store.transitionRun(child.run.id, 'cancelled', {
      endedAt,
      reason: `did not run (${ended.run.pipeline} ${ended.run.status})`,
    });
    for (const s of child.steps)
      await store.transitionStep(child.run.id, s.key, 'cancelled', { endedAt, reason: 'did not run' });
    await settleChildRuns(store, { run: { ...child.run, status: 'cancelled' }, steps: child.steps }, endedAt);
  }
}
