/**
 * The reporter use case: an execution's end becomes the run's terminal status, leftover steps are
 * settled, the commit status is set and `on.pipeline` followers start. A build's start marks its
 * step running. Events arrive duplicated and out of order; the store's forward-only transitions
 * make every handler safe to repeat.
 */
import type { RunStatus } from '../../statemachines/pipeline/model.ts';
import type {
  BuildResults,
  Clock,
  CommitState,
  ExecutionStarter,
  RunRecord,
  RunStore,
  RunWithSteps,
  StatusReporter,
  StepRecord,
} from './ports.ts';
import { redriveSplit } from './control.ts';
import { cancelLeftWaiting, startGroupHolder } from './concurrency.ts';
import { isChildRun, settleChildRuns } from './child-runs.ts';
import { runMayMove, SUCCESS_BY_BUILD, UNSETTLED_STEP_STATUSES } from '../../statemachines/lifecycle.ts';

export interface ReportDeps {
  store: RunStore;
  statuses: StatusReporter;
  clock: Clock;
  runUrl: (executionArn: string, runId: string) => string;
  /** Starts the pipelines whose `on.pipeline` names this run's pipeline (idempotent per run). */
  startFollowers: (run: RunRecord) => Promise<void>;
  /** Starts the run that waited in the ended run's concurrency group. */
  executions: ExecutionStarter;
  /** Link for the `pending` status of that start, from its state machine (version) and run id. */
  startUrl: (stateMachine: string, runId: string) => string;
  /**
   * The builds' own results, for a run's end to settle a step whose success event is still on its
   * way. Absent locally, where the CodeBuild executor records a success before its Task returns.
   */
  builds?: BuildResults;
}

/** The fields of a Step Functions "Execution Status Change" event the reporter reads. */
export interface ExecutionStatusDetail {
  executionArn: string;
  /** The execution name, which the dispatcher sets to the run id. */
  name: string;
  status: string;
  /** The execution input (JSON), whose `run.id` names the run; child executions have random names. */
  input?: string | null;
  /**
   * The execution output (JSON) of a SUCCEEDED execution: its `steps` records. Null otherwise, and when it is too
   * large for the event (docs/run-store.md, "Who writes a step's status").
   */
  output?: string | null;
  error?: string | null;
  cause?: string | null;
  /** Billed state transitions, when the engine counted them (the local engine; AWS events carry none). */
  transitions?: number;
  /**
   * How often the execution has been redriven (0 before its first redrive): the event carries the
   * redrive fields of DescribeExecution (`redriveCount`, `redriveDate`, `redriveStatus`).
   */
  redriveCount?: number;
}

/** The run an execution belongs to: `run.id` of its input, else its name. */
export function runIdOf(detail: ExecutionStatusDetail): string {
  try {
    const id: unknown = (JSON.parse(detail.input ?? '') as { run?: { id?: unknown } }).run?.id;
    if (typeof id === 'string' && id !== '') return id;
  } catch {
    // no input in the event (or too large to be included): the name is the run id
  }
  return detail.name;
}

const TERMINAL: Record<string, RunStatus> = {
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  TIMED_OUT: 'failed',
  ABORTED: 'cancelled',
};
const COMMIT_STATE: Record<string, CommitState> = { succeeded: 'success', failed: 'failure', cancelled: 'error' };
const UNSETTLED = new Set<string>(UNSETTLED_STEP_STATUSES);

/** The part id when the execution runs a part of a split pipeline (statemachines/compiler/split.ts): the root's end is the run's. */
export function partOf(detail: ExecutionStatusDetail): string | undefined {
  try {
    const part: unknown = (JSON.parse(detail.input ?? '') as { part?: unknown }).part;
    return typeof part === 'string' ? part : undefined;
  } catch {
    return undefined;
  }
}

/** Handles one execution status change; returns what it did (for the log). */
export async function onExecutionStatus(deps: ReportDeps, detail: ExecutionStatusDetail): Promise<string> {
  const part = partOf(detail);
  if (part !== undefined) {
    const settled = await settleSucceeded(deps, runIdOf(detail), detail);
    return `part ${part} ${detail.status.toLowerCase()}${settled > 0 ? `; ${settled} step(s) succeeded` : ''}`;
  }
  const runId = runIdOf(detail);
  const first = await deps.store.getRun(runId);
  // Executions of machines that are not ours have no run of that id.
  if (!first) return `no run ${runId}`;
  const now = deps.clock.now().toISOString();
  const reopened = await reopenIfRedriven(deps.store, first, detail.redriveCount ?? 0, now);
  const found = reopened ? ((await deps.store.getRun(runId)) ?? first) : first;
  if (detail.status === 'RUNNING') {
    // statuses only move forward: a run the dispatcher (or an earlier event) already moved on is left as it is
    if (runMayMove(found.run.status, 'running'))
      await deps.store.transitionRun(runId, 'running', { startedAt: now, executionArn: detail.executionArn });
    return `run ${runId} running${reopened ? ` (redrive ${detail.redriveCount})` : ''}`;
  }
  const status = TERMINAL[detail.status];
  if (!status) return `ignored status ${detail.status}`;
  // A step whose build succeeded but whose own success event is still on its way succeeded: the
  // execution's output says so (before the run's end, which settles every step still open).
  const succeeded = succeededSteps(detail);
  const open = found.steps.filter((s) => UNSETTLED.has(s.status));
  // No output (a failed or stopped execution, or one over the event's size): the builds themselves tell.
  for (const key of await succeededBuilds(
    deps,
    runId,
    open.filter((s) => !succeeded.has(s.key)),
  ))
    succeeded.add(key);
  await succeedOpen(deps.store, runId, open, succeeded, now);
  const reason = reasonOf(detail);
  await deps.store.transitionRun(runId, status, {
    endedAt: now,
    ...(reason ? { reason } : {}),
    ...(detail.transitions !== undefined ? { transitions: detail.transitions } : {}),
  });
  const settleReason = status === 'cancelled' ? 'run cancelled' : 'did not run';
  for (const step of open.filter((s) => !succeeded.has(s.key))) {
    await deps.store.transitionStep(runId, step.key, 'cancelled', { endedAt: now, reason: settleReason });
  }
  // Read back: a duplicate or late event must report the run's real end, not its own view.
  const final = (await deps.store.getRun(runId)) ?? found;
  const endStatus = final.run.status;
  if (endStatus !== 'succeeded' && endStatus !== 'failed' && endStatus !== 'cancelled')
    return `run ${runId} ${endStatus}`;
  await settleChildRuns(deps.store, final, now);
  // A child run is part of its caller: the caller's commit status and followers speak for it.
  if (!isChildRun(final.run)) {
    await deps.statuses.setStatus(final.run.repo, final.run.sha, {
      context: `sci/${final.run.pipeline}`,
      state: COMMIT_STATE[endStatus] ?? 'error',
      description: describeEnd(endStatus, final.steps, final.run.reason),
      targetUrl: deps.runUrl(detail.executionArn, runId),
    });
    await deps.startFollowers(final.run);
  }
  // The run's end handed its group to the waiting run (in the store); whoever records an end (any Lambda, any process) starts it,
  // and ends what a dispatcher that died left waiting outside the group.
  const group = final.run.concurrencyGroup;
  const next = group ? await startGroupHolder(deps, final.run.repo, group) : undefined;
  if (group) await cancelLeftWaiting(deps, final.run.repo, group);
  return `run ${runId} ${endStatus}${next ? `; started run ${next}, which waited for it` : ''}`;
}

/**
 * A redriven execution (RedriveExecution from `sci redrive`, the API or the Step Functions console)
 * counts more redrives than its run: the run is reopened as the local redrive does (attempt + 1,
 * the steps that did not succeed pending again, its gates cleared) before this event is recorded.
 * Its RUNNING event usually comes first; when its end overtakes it, the end reopens the run and
 * then ends it, and the late RUNNING finds the count already matched. True when it reopened.
 */
async function reopenIfRedriven(store: RunStore, found: RunWithSteps, redriveCount: number, now: string) {
  if (redriveCount <= (found.run.redriveCount ?? 0)) return false;
  const split = redriveSplit(found);
  return (await store.reopenRun(found.run.id, split.ok ? split.value.again : [], now)) !== undefined;
}

/** The steps the execution's output records `succeeded` (none without an output). */
function succeededSteps(detail: ExecutionStatusDetail): Set<string> {
  try {
    const steps: unknown = (JSON.parse(detail.output ?? '') as { steps?: unknown }).steps;
    if (typeof steps !== 'object' || steps === null) return new Set();
    return new Set(
      Object.entries(steps)
        .filter(([, record]) => (record as { status?: unknown } | null)?.status === 'succeeded')
        .map(([key]) => key),
    );
  } catch {
    return new Set();
  }
}

/**
 * The open steps whose build (the last one that started: `buildId`) succeeded and records its own
 * success (`SUCCESS_BY_BUILD`), as CodeBuild reports them; none without `deps.builds`.
 */
async function succeededBuilds(deps: ReportDeps, runId: string, open: StepRecord[]): Promise<string[]> {
  const held = open.filter((s) => s.buildId !== undefined);
  if (!deps.builds || held.length === 0) return [];
  const results = new Map((await deps.builds.describe(held.map((s) => s.buildId!))).map((b) => [b.id, b]));
  return held
    .filter((s) => {
      const build = results.get(s.buildId!);
      return (
        build?.status === 'SUCCEEDED' &&
        build.variables[SUCCESS_BY_BUILD] === '1' &&
        build.variables.SCI_RUN_ID === runId &&
        build.variables.SCI_STEP_KEY === s.key
      );
    })
    .map((s) => s.key);
}

/**
 * A part of a split pipeline that ended: its steps the output records `succeeded` and the store still
 * has open (their build's success event not in yet) succeed. Returns how many moved.
 */
async function settleSucceeded(deps: ReportDeps, runId: string, detail: ExecutionStatusDetail): Promise<number> {
  const succeeded = succeededSteps(detail);
  if (succeeded.size === 0) return 0;
  const endedAt = deps.clock.now().toISOString();
  return succeedOpen(deps.store, runId, await deps.store.listSteps(runId), succeeded, endedAt);
}

/** The steps of `steps` still open whose key `succeeded` holds succeed. Returns how many moved. */
async function succeedOpen(
  store: RunStore,
  runId: string,
  steps: StepRecord[],
  succeeded: ReadonlySet<string>,
  endedAt: string,
): Promise<number> {
  let moved = 0;
  for (const step of steps.filter((s) => UNSETTLED.has(s.status) && succeeded.has(s.key)))
    if (await store.transitionStep(runId, step.key, 'succeeded', { endedAt })) moved++;
  return moved;
}

/** Why an execution ended: its error and cause; a stop's cause alone (StopExecution sets no error). */
function reasonOf(detail: ExecutionStatusDetail): string | undefined {
  if (detail.status === 'TIMED_OUT') return 'timed_out';
  if (detail.error) return `${detail.error}${detail.cause ? `: ${detail.cause}` : ''}`.slice(0, 500);
  return detail.status === 'ABORTED' && detail.cause ? detail.cause.slice(0, 500) : undefined;
}

/** `failed at step "test (node=20)": exit 1`, or the run's own reason. */
export function describeEnd(status: RunStatus, steps: StepRecord[], reason: string | undefined): string {
  if (status === 'succeeded') return 'succeeded';
  const failing = [...steps].sort((a, b) => a.order - b.order).find((s) => s.status === 'failed');
  if (failing) return `failed at step "${failing.name}"${failing.reason ? `: ${failing.reason}` : ''}`;
  return `${status}${reason ? `: ${reason}` : ''}`;
}

/** The fields of a CodeBuild "Build State Change" event the reporter reads. */
export interface BuildStateDetail {
  'build-status': string;
  'build-id'?: string;
  'additional-information'?: { environment?: { 'environment-variables'?: Array<{ name: string; value: string }> } };
}

/**
 * A build that starts marks its step `running` and counts the attempt once per build id. A build that
 * succeeds marks its step `succeeded` when its definition leaves that to it (`SUCCESS_BY_BUILD`): the
 * state machine then writes nothing after the build. Both are conditional writes that never move a step
 * backwards, so a duplicate, late or out-of-order event changes nothing (a cancelled run's step stays
 * cancelled). The local CodeBuild executor calls this too, with the same detail.
 */
export async function onBuildState(
  deps: Pick<ReportDeps, 'store' | 'clock'>,
  detail: BuildStateDetail,
): Promise<string> {
  const status = detail['build-status'];
  if (status !== 'IN_PROGRESS' && status !== 'SUCCEEDED') return `ignored build status ${status}`;
  const vars = new Map(
    (detail['additional-information']?.environment?.['environment-variables'] ?? []).map((v) => [v.name, v.value]),
  );
  const runId = vars.get('SCI_RUN_ID');
  // The key, not the display name: a name may equal another instance's key.
  const step = vars.get('SCI_STEP_KEY');
  if (!runId || !step) return 'not a serverless-ci build';
  if (status === 'SUCCEEDED') {
    if (vars.get(SUCCESS_BY_BUILD) !== '1') return `step ${step} of ${runId}: its success is the state machine's write`;
    const moved = await deps.store.transitionStep(runId, step, 'succeeded', {
      endedAt: deps.clock.now().toISOString(),
    });
    return moved ? `step ${step} of ${runId} succeeded` : `step ${step} of ${runId} already ended (or no such step)`;
  }
  const found = await deps.store.getRun(runId);
  const record = found?.steps.find((s) => s.key === step);
  if (!record) return `no step ${step} in run ${runId}`;
  const moved = await deps.store.transitionStep(runId, record.key, 'running', {
    startedAt: deps.clock.now().toISOString(),
    incrementAttempts: true,
    ...(detail['build-id'] ? { attemptId: detail['build-id'], buildId: detail['build-id'] } : {}),
  });
  return moved ? `step ${record.key} of ${runId} running` : `step ${record.key} of ${runId} already past running`;
}
