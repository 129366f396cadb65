/**
 * The run lifecycle's rules, in one place for everyone who writes the run table: status ranks,
 * the legal transitions and the key shapes of the single table (docs/architecture.md). The
 * compiler (step status writes in the ASL), the run store (src/store), the local engine (local/)
 * and infra (IAM leading keys) import it. Every status write is a conditional UpdateItem whose
 * condition lists the statuses it may move FROM, so a stale or duplicate update never moves
 * anything backwards; test/store/agreement.test.ts proves the compiler's and the store's
 * conditions agree on dynalite for every (from, to) pair.
 */
import type { RunStatus, StepStatus } from './pipeline/model.ts';

export const TERMINAL_RUN_STATUSES = ['succeeded', 'failed', 'cancelled'] as const satisfies readonly RunStatus[];
export const TERMINAL_STEP_STATUSES = [
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
] as const satisfies readonly StepStatus[];

/** queued < running < terminal; terminal is final. */
const RUN_RANK: Record<RunStatus, number> = { queued: 0, running: 1, succeeded: 2, failed: 2, cancelled: 2 };
/** pending < running | waiting < terminal; terminal is final. */
const STEP_RANK: Record<StepStatus, number> = {
  pending: 0,
  running: 1,
  waiting: 1,
  succeeded: 2,
  failed: 2,
  skipped: 2,
  cancelled: 2,
};

export const RUN_STATUSES = Object.keys(RUN_RANK) as RunStatus[];
export const STEP_STATUSES = Object.keys(STEP_RANK) as StepStatus[];

export function isTerminalRun(status: RunStatus): boolean {
  return RUN_RANK[status] === 2;
}

export function isTerminalStep(status: StepStatus): boolean {
  return STEP_RANK[status] === 2;
}

/** Steps a run's end settles as cancelled: every one not terminal yet. */
export const UNSETTLED_STEP_STATUSES = STEP_STATUSES.filter((s) => !isTerminalStep(s));

/**
 * Text every open step status (pending, running, waiting) contains and no terminal one does, so a
 * terminal status write conditions on `contains(status, 'ing')`: one expression value where
 * `status IN (…)` needs one per open status (the compiled writes repeat it for every step).
 * Checked here, at load, against the ranks above: a new status that breaks it fails every import.
 */
export const OPEN_STEP_MARK = 'ing';
for (const status of STEP_STATUSES)
  if (status.includes(OPEN_STEP_MARK) === isTerminalStep(status))
    throw new Error(`lifecycle: "${OPEN_STEP_MARK}" no longer tells open step statuses from terminal ones (${status})`);

/**
 * The build variable (value `1`) of a step whose success its build's own end records: the reporter's
 * `onBuildState` writes `succeeded` on the build's SUCCEEDED, as it writes `running` on its start, and
 * the state machine writes nothing after the build (statemachines/compiler/status.ts `successByBuild`).
 * A build without it (a step with outputs, an older definition) has its success written by the machine.
 */
export const SUCCESS_BY_BUILD = 'SCI_REPORT_SUCCESS';

/** The statuses a run may move to `to` from: every strictly earlier one. */
export function runSourcesFor(to: RunStatus): RunStatus[] {
  return RUN_STATUSES.filter((from) => RUN_RANK[from] < RUN_RANK[to]);
}

/** The statuses a step may move to `to` from: every strictly earlier one. */
export function stepSourcesFor(to: StepStatus): StepStatus[] {
  return STEP_STATUSES.filter((from) => STEP_RANK[from] < STEP_RANK[to]);
}

/** Whether a step at `from` may move to `to` (a new attempt, `running` again, aside). */
export function stepMayMove(from: StepStatus, to: StepStatus): boolean {
  return STEP_RANK[from] < STEP_RANK[to];
}

/** Whether a run at `from` may move to `to`. */
export function runMayMove(from: RunStatus, to: RunStatus): boolean {
  return RUN_RANK[from] < RUN_RANK[to];
}

/**
 * A redrive is the one move back: a failed or cancelled run goes `running` again (its
 * `redriveCount` says which attempt), and its steps that did not succeed go back to `pending`.
 */
export const REDRIVABLE_RUN_STATUSES = ['failed', 'cancelled'] as const satisfies readonly RunStatus[];
export const REDRIVEN_STEP_STATUSES = ['failed', 'skipped', 'cancelled'] as const satisfies readonly StepStatus[];

/** Placeholders and values of one `#status IN (…)` condition, deterministic for a given target. */
export function statusInCondition(sources: readonly string[]): { expression: string; values: Record<string, string> } {
  const names = sources.map((_, i) => `:from${i}`);
  const values = Object.fromEntries(sources.map((status, i) => [`:from${i}`, status]));
  return { expression: `#status IN (${names.join(', ')})`, values };
}

// ---------------------------------------------------------------- key shapes of the single table

export const RUN_PREFIX = 'RUN#';
export const RUN_SK = '#RUN';
export const STEP_PREFIX = 'STEP#';
export const GATE_PREFIX = 'GATE#';
/** A part of a split pipeline keeps its step records here for a redrive (statemachines/compiler/split.ts). */
export const PART_PREFIX = 'PART#';
export const DELIVERY_PREFIX = 'DELIVERY#';
export const DELIVERY_SK = '#DELIVERY';
export const GROUP_PREFIX = 'GROUP#';
export const GROUP_SK = '#GROUP';
/** Partition key of the sparse "active runs" index (gsi3). */
export const ACTIVE_PK = 'ACTIVE';

export const runPk = (runId: string): string => `${RUN_PREFIX}${runId}`;
export const stepSk = (key: string): string => `${STEP_PREFIX}${key}`;
export const gateSk = (key: string): string => `${GATE_PREFIX}${key}`;
export const deliveryPk = (hookId: string, guid: string): string => `${DELIVERY_PREFIX}${hookId}#${guid}`;
export const repoPk = (repo: string): string => `REPO#${repo}`;
export const pipelinePk = (repo: string, pipeline: string): string => `PIPE#${repo}#${pipeline}`;
/** Sorts by creation time, then id, so a descending query is newest first and ties are stable. */
export const newestFirstSk = (createdAt: string, runId: string): string => `${createdAt}#${runId}`;

/** A concurrency group is named per repository (`concurrency.group`, rendered). */
export const groupPk = (repo: string, group: string): string => `${GROUP_PREFIX}${repo}#${group}`;

export const runKey = (runId: string) => ({ pk: runPk(runId), sk: RUN_SK });
export const groupKey = (repo: string, group: string) => ({ pk: groupPk(repo, group), sk: GROUP_SK });
export const stepKey = (runId: string, key: string) => ({ pk: runPk(runId), sk: stepSk(key) });
