/**
 * The control ports for runs on the embedded engine, as the core's control use cases (approve,
 * reject, cancel) expect them: a cancel is a request on the run item that the owning engine polls
 * for (any process may ask), and an approval is released by the decision the store records,
 * which the waiting approval task polls for, so there is no token to send.
 */
import type { ExecutionStarter, TaskTokens } from '../../src/core/ports.ts';
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
