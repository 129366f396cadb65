/**
 * The control ports for runs on the embedded engine, as the core's control use cases (approve,
 * reject, cancel) expect them: a cancel is a request on the run item that the owning engine polls
 * for (any process may ask), and an approval is released by the decision the store records,
 * which the waiting approval task polls for, so there is no token to send.
 */
import type { QueueDeps } from '../../src/core/concurrency.ts';
import type { ControlDeps } from '../../src/core/control.ts';
import type { ExecutionStarter, RunStore, StatusReporter, TaskTokens } from '../../src/core/ports.ts';
import { requestCancel, type Table } from './run-control.ts';

/** `local:<runId>`, the execution id local runs record. */
const runIdOf = (executionArn: string) => executionArn.replace(/^local:/, '');

export class LocalRunControl implements Pick<ExecutionStarter, 'stop'>, TaskTokens {
  constructor(
    private readonly table: Table,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async stop(executionArn: string): Promise<void> {
    await requestCancel(this.table, runIdOf(executionArn), this.now().toISOString());
  }

  /** Nothing to send: the approval task polls the decision `recordApprovalDecision` stored. */
  async succeed(): Promise<void> {}

  /** Nothing to send: a rejection is read the same way. */
  async fail(): Promise<void> {}
}

/** The core's control use cases' ports for runs on the embedded engine (`queue`: see ControlDeps). */
export function localControlDeps(o: {
  store: RunStore;
  table: Table;
  statuses: StatusReporter;
  queue?: QueueDeps;
}): ControlDeps {
  const control = new LocalRunControl(o.table);
  return {
    store: o.store,
    executions: control,
    tokens: control,
    statuses: o.statuses,
    clock: { now: () => new Date() },
    ...(o.queue ? { queue: o.queue } : {}),
  };
}
