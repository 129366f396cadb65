/**
 * The lifecycle rules as data. Every status write is a conditional UpdateItem whose condition
 * lists the statuses it may move FROM, so a stale or duplicate update never moves anything
 * backwards. The compiled state machines write step statuses with the same condition
 * (docs/run-store.md pins the exact expression).
 */
import type { RunStatus, StepStatus } from '../../statemachines/pipeline/model.ts';

export const TERMINAL_RUN_STATUSES = ['succeeded', 'failed', 'cancelled'] as const satisfies readonly RunStatus[];
export const TERMINAL_STEP_STATUSES = ['succeeded', 'failed', 'skipped', 'cancelled'] as const satisfies readonly StepStatus[];

/** queued < running < terminal; terminal is final. */
const RUN_RANK: Record<RunStatus, number> = { queued: 0, running: 1, succeeded: 2, failed: 2, cancelled: 2 };
/** pending < running | waiting < terminal; terminal is final. */
const STEP_RANK: Record<StepStatus, number> = {
  pending: 0, running: 1, waiting: 1, succeeded: 2, failed: 2, skipped: 2, cancelled: 2,
};

const RUN_STATUSES = Object.keys(RUN_RANK) as RunStatus[];
const STEP_STATUSES = Object.keys(STEP_RANK) as StepStatus[];

export function isTerminalRun(status: RunStatus): boolean {
  return RUN_RANK[status] === 2;
}

export function isTerminalStep(status: StepStatus): boolean {
  return STEP_RANK[status] === 2;
}

/** The statuses a run may move to `to` from: every strictly earlier one. */
export function runSourcesFor(to: RunStatus): RunStatus[] {
  return RUN_STATUSES.filter((from) => RUN_RANK[from] < RUN_RANK[to]);
}

/** The statuses a step may move to `to` from: every strictly earlier one. */
export function stepSourcesFor(to: StepStatus): StepStatus[] {
  return STEP_STATUSES.filter((from) => STEP_RANK[from] < STEP_RANK[to]);
}

/** Placeholders and values of one `#status IN (…)` condition, deterministic for a given target. */
export function statusInCondition(sources: readonly string[]): { expression: string; values: Record<string, string> } {
  const names = sources.map((_, i) => `:from${i}`);
  const values = Object.fromEntries(sources.map((status, i) => [`:from${i}`, status]));
  return { expression: `#status IN (${names.join(', ')})`, values };
}
