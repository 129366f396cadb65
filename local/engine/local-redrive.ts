/**
 * Redrive on the embedded engine (the local `ExecutionRedriver`): the run's definition compiled
 * again from the files at its commit (refused when it is not the one the run was bound to), the
 * run reopened in the store (attempt + 1, the steps that did not succeed back to pending), then
 * executed again by the local executions with the succeeded steps carried: not run, records kept.
 * Its end reaches the reporter as any execution's does.
 */
import { NotRedrivableError } from '../../src/core/control.ts';
import { Refusal } from '../../src/core/result.ts';
import type { ExecutionRedriver, PipelineSource, RunStore } from '../../src/core/ports.ts';
import { prepareRedrive } from '../../src/core/redrive-plan.ts';
import { executionInput, factsOfRun } from '../../src/core/run-facts.ts';
import type { LocalExecutions } from './engine.ts';
import type { ExecutionEnd } from './execution.ts';
import { clearCancelRequest, type Table } from './run-control.ts';
import type { LocalStateMachines } from './state-machines.ts';

export interface LocalRedriveOptions {
  store: RunStore;
  table: Table;
  executions: LocalExecutions;
  machines: LocalStateMachines;
  /** The repository's pipeline files at a commit. */
  source: PipelineSource;
  /** Where builds clone from (`run.repoUrl`). */
  repoUrl: string;
  now?: () => Date;
}

export class LocalRedriver implements ExecutionRedriver {
  constructor(private readonly o: LocalRedriveOptions) {}

  async redrive(executionArn: string): Promise<void> {
    const { store, table } = this.o;
    const runId = executionArn.replace(/^local:/, '');
    const found = await store.getRun(runId);
    if (!found) throw new Refusal({ kind: 'not-found', message: `no run ${runId}` });
    const prepared = await prepareRedrive(
      this.o.source,
      found,
      { tableName: table.tableName },
      async (id) => (await store.getRun(id)) !== undefined,
    );
    if (!prepared.ok) throw new Refusal(prepared.error);
    // a cancel of the attempt that ended must not stop this one
    await clearCancelRequest(table, runId);
    const count = await store.reopenRun(runId, prepared.value.again, (this.o.now?.() ?? new Date()).toISOString());
    if (count === undefined) throw new NotRedrivableError(`run ${runId} is not failed or cancelled (any more)`);
    const callees: Record<string, string> = {};
    for (const unit of prepared.value.program.values()) {
      for (const callee of unit.callees) {
        const compiled = prepared.value.program.get(callee.pipeline);
        if (compiled)
          callees[callee.key] = await this.o.machines.ensureVersion({
            name: compiled.pipelineId,
            definition: compiled.json,
            hash: compiled.hash,
          });
      }
      // the parts of a pipeline split over Step Functions' quotas are started like callees, by id
      for (const part of unit.parts)
        callees[part.id] = await this.o.machines.ensureVersion({
          name: part.id,
          definition: part.json,
          hash: part.hash,
        });
    }
    const { root } = prepared.value;
    const stateMachine = await this.o.machines.ensureVersion({
      name: root.pipelineId,
      definition: root.json,
      hash: root.hash,
    });
    this.o.executions.redrive({
      stateMachine,
      runId,
      input: executionInput(runId, root.pipelineId, factsOfRun(found.run, this.o.repoUrl), found.run.inputs, callees),
      carried: prepared.value.carried,
      priorTransitions: found.run.transitions ?? 0,
    });
  }

  /** The end of a redrive begun here, or undefined when none of `runId` is executing. */
  finished(runId: string): Promise<ExecutionEnd> | undefined {
    return this.o.executions.ended(runId);
  }
}
