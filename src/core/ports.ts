/**
 * The small interfaces the core uses to reach the world. AWS adapters (src/aws, src/store,
 * src/github) and local ones (local/, src/source) implement them; functions/ wires the first for
 * the Lambdas and local/runtime.ts the second for `sci run` and `sci serve`, so one core serves both.
 */
import type { Compute, EventName, PipelineFile, RunStatus, StepStatus } from '../../statemachines/pipeline/model.ts';

export interface RunRecord {
  id: string;
  repo: string;
  /** Pipeline id (`deploy/prod`). */
  pipeline: string;
  status: RunStatus;
  event: EventName;
  sha: string;
  ref: string;
  branch: string;
  tag: string;
  actor: string;
  inputs: Record<string, string | number | boolean>;
  /** ISO-8601. */
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  /** Why the run ended the way it did (cancelled by a newer push, abandoned, …). */
  reason?: string;
  /** Step Functions execution ARN (AWS) or local execution id. */
  executionArn?: string;
  /** sha256 of the compiled definition the run is bound to. */
  definitionHash?: string;
  parentRunId?: string;
  concurrencyGroup?: string;
  /** A run waiting its turn in its concurrency group: the run in progress it waits for (see concurrency.ts). */
  waitingFor?: string;
  /** How a waiting run's execution starts when its turn comes: the state machine (version) and the input (JSON). */
  queuedStart?: { stateMachine: string; input: string };
  /** Started by an untrusted event (a fork's pull request, or a run one started): its builds ran as the untrusted role. */
  untrusted?: boolean;
  /** State transitions the run's execution was billed, recorded when it ends (locally: counted by the engine). */
  transitions?: number;
  /** How many times the run was redriven (absent: never); the attempt is `redriveCount + 1`. */
  redriveCount?: number;
  /** ISO-8601 time of the last redrive. */
  redrivenAt?: string;
}

export interface StepRecord {
  runId: string;
  /** Instance key (identifier-safe), the sort key. */
  key: string;
  /** Display name: `test (node=20, shard=1)`. */
  name: string;
  kind: 'run' | 'approval' | 'pipeline' | 'rollout';
  /** Position in the plan, for stable display order. */
  order: number;
  status: StepStatus;
  attempts: number;
  startedAt?: string;
  endedAt?: string;
  reason?: string;
  /** Approval steps: the decision once someone made it. */
  decision?: ApprovalDecision;
  /** Who decided (an actor name). */
  decidedBy?: string;
  /** Keys of the steps this one needs directly (the run graph's edges). */
  needs?: string[];
  /** For a matrix cell, the step it expands (`test`), so views can group the cells. */
  group?: string;
  /** For a `run` step, its compute type: what its build time costs. */
  compute?: Compute;
  /** A succeeded `run` step's declared outputs (`outputs:`), as its success write stored them. */
  outputs?: Record<string, string>;
  /** On AWS, the CodeBuild build of the step's latest attempt (its ARN, from the build's start event). */
  buildId?: string;
}

/** What a step transition may record besides the status (`RunStore.transitionStep`). */
export interface StepTransitionFields {
  startedAt?: string;
  endedAt?: string;
  reason?: string;
  incrementAttempts?: boolean;
  attemptId?: string;
  /** The CodeBuild build of this attempt (AWS), kept as the step's `buildId`. */
  buildId?: string;
}

/** A pipeline that has run at least once (the dashboard's home lists these). */
export interface PipelineSummary {
  repo: string;
  pipeline: string;
  /** ISO-8601 creation time of its newest run. */
  lastRunAt: string;
  /** Its newest runs (up to 5), newest first. */
  recent: RecentRun[];
}

/** What the home page shows of a run. */
export type RecentRun = Pick<
  RunRecord,
  'id' | 'repo' | 'pipeline' | 'status' | 'event' | 'branch' | 'tag' | 'sha' | 'createdAt' | 'startedAt' | 'endedAt'
>;

/** Narrows a pipeline's runs; every field is an exact match. */
export interface RunFilter {
  branch?: string;
  status?: RunStatus;
  event?: EventName;
}

/** One page of runs, newest first; `next` continues after the last run, absent at the end. */
export interface RunPage {
  runs: RunRecord[];
  next?: string;
}

export type ApprovalDecision = 'approved' | 'rejected';

export interface RunWithSteps {
  run: RunRecord;
  steps: StepRecord[];
}

/** Run state, persisted in DynamoDB (dynalite locally). Transitions never move backwards. */
export interface RunStore {
  /** Writes the run and its pending steps; false when a run with this id already exists. */
  createRun(run: RunRecord, steps: StepRecord[]): Promise<boolean>;
  getRun(runId: string): Promise<RunWithSteps | undefined>;
  /** Newest first. Without `repo` it reads the whole table: for the local store only (no index, no IAM grant on AWS). */
  listRuns(query: { repo?: string; pipeline?: string; limit?: number }): Promise<RunRecord[]>;
  /** Every pipeline that has a run, with its newest runs (one partition read). */
  listPipelines(): Promise<PipelineSummary[]>;
  /**
   * One page of a pipeline's runs, newest first, by key: O(page), whatever the history's size.
   * With a filter, at most `scanLimit` runs are read per page, so a page may be short but `next` continues.
   * @default scanLimit 1000
   */
  pageRuns(query: {
    repo: string;
    pipeline: string;
    limit: number;
    after?: string;
    filter?: RunFilter;
    scanLimit?: number;
  }): Promise<RunPage>;
  /**
   * Applies the transition if it moves the run forward (with `from`, only from that status);
   * returns whether it did.
   */
  transitionRun(
    runId: string,
    to: RunStatus,
    fields?: Partial<Pick<RunRecord, 'startedAt' | 'endedAt' | 'reason' | 'executionArn' | 'transitions'>>,
    options?: { from?: RunStatus },
  ): Promise<boolean>;
  /**
   * Applies the transition if it moves the step forward; returns whether it did. `running` again
   * on a running step is a new attempt when `incrementAttempts` is set; `attemptId` (e.g. the
   * build id) makes a redelivered "attempt started" event count once, however late; `buildId` is
   * recorded as the step's latest build when the write applies.
   * @default attemptId: unique per call (a retried call still counts once)
   */
  transitionStep(runId: string, key: string, to: StepStatus, fields?: StepTransitionFields): Promise<boolean>;
  /** Records a webhook delivery; false when it was seen before (a redelivery). */
  recordDelivery(hookId: string, guid: string, details: Record<string, string>): Promise<boolean>;
  /** The task token an approval step is waiting on, if it is waiting. */
  getApprovalToken(runId: string, key: string): Promise<string | undefined>;
  /** Steps of a run in plan order (empty while the run is being created or when it does not exist). */
  listSteps(runId: string): Promise<StepRecord[]>;
  /**
   * Records the decision on a waiting approval and returns the task token to release. The
   * first decision wins; repeating the same decision returns the token again (safe retry).
   * Throws `StepNotFoundError`, `ApprovalNotWaitingError` or `ApprovalAlreadyDecidedError`, each
   * carrying its `failure` (not found, a conflict: src/core/result.ts).
   */
  recordApprovalDecision(runId: string, key: string, decision: ApprovalDecision, by: string): Promise<string>;
  /** A concurrency group's slot: the run holding it and the run waiting for it (a consistent read). */
  readGroup(repo: string, group: string): Promise<GroupSlot>;
  /**
   * `run` takes its group, atomically: `free` only when nobody holds it (or `run` already does);
   * `newer` (`cancel_in_progress`) also from an older holder, returning the runs it displaced.
   */
  claimGroup(run: GroupEntrant, mode: 'free' | 'newer'): Promise<GroupClaim>;
  /** `run` waits behind `holder`, atomically replacing an older waiting run (returned). */
  waitInGroup(run: GroupEntrant, holder: string): Promise<GroupWait>;
  /**
   * `runId` leaves its group (idempotent): a holder hands it to the waiting run, or frees it. Every
   * terminal `transitionRun` does this itself; exposed for a holder whose end never released it.
   * Returns the group's holder after it.
   */
  releaseGroup(repo: string, group: string, runId: string): Promise<string | undefined>;
  /** Records the run a queued run waits for (only while it is `queued`); false otherwise. */
  markWaiting(runId: string, holder: string): Promise<boolean>;
  /** Every run still queued or running, newest first (crash recovery). */
  listActiveRuns(): Promise<RunRecord[]>;
  /** Ends a run whose engine died as `failed` with `reason`, settling its open steps; false if it had ended. */
  markAbandoned(runId: string, reason: string): Promise<boolean>;
  /**
   * Reopens a failed or cancelled run for a redrive: the run goes back to `running` with
   * `redriveCount` + 1 and `redrivenAt`, the steps `keys` (failed, skipped or cancelled ones) back
   * to `pending`, and the run's gates are cleared. Returns the new `redriveCount`, or undefined
   * when the run is not failed or cancelled (a concurrent redrive won, or it never ended).
   */
  reopenRun(runId: string, keys: string[], at: string): Promise<number | undefined>;
  /** Records the execution a run is bound to; false when a different one is already recorded. */
  setRunExecution(runId: string, executionArn: string): Promise<boolean>;
}

/**
 * A concurrency group's slot (one item per group, written only by conditional updates): the run in
 * progress (`holder`) and the one run waiting for it. Each comes with its ordering key
 * (`<createdAt>#<runId>`), which decides which of two runs is the newer.
 */
export interface GroupSlot {
  holder?: string;
  holderKey?: string;
  waiting?: string;
  waitingKey?: string;
}

/** A run arriving in its concurrency group. */
export interface GroupEntrant {
  id: string;
  repo: string;
  group: string;
  createdAt: string;
}

export type GroupClaim = { claimed: true; displaced: string[] } | { claimed: false; slot: GroupSlot };
export type GroupWait = { waits: true; replaced?: string } | { waits: false; slot: GroupSlot };

export interface Clock {
  now(): Date;
}

/** Pipeline files (`.sci/**.yml|yaml`) of a repository at one exact commit. */
export interface PipelineSource {
  readPipelineFiles(sha: string): Promise<PipelineFile[]>;
}

// ---------------------------------------------------------------- trigger path (webhook → run)

/** A verified, de-duplicated GitHub delivery on its way from the ingress to the dispatcher. */
export interface QueuedDelivery {
  /** `X-GitHub-Hook-ID` (`0` when the sender did not name a hook, e.g. `sci serve` tests). */
  hookId: string;
  /** `X-GitHub-Delivery`: the GUID GitHub keeps across redeliveries. */
  deliveryId: string;
  /** `X-GitHub-Event`: `push` or `pull_request`. */
  event: string;
  /** ISO-8601 time the ingress accepted it; seeds sortable run ids. */
  receivedAt: string;
  /** The fields of the payload the dispatcher reads (see src/github/slim-payload.ts). */
  payload: Record<string, unknown>;
}

/** Where the ingress hands deliveries over (SQS with a DLQ on AWS, in-process for `sci serve`). */
export interface DeliveryQueue {
  enqueue(delivery: QueuedDelivery): Promise<void>;
}

/** One state machine per pipeline, one published version per distinct definition. */
export interface StateMachineRegistry {
  /** Creates or updates the machine `name` and returns the ARN of the version holding `definition`. */
  ensureVersion(spec: { name: string; definition: string; hash: string }): Promise<string>;
}

/** Starts and stops executions (Step Functions on AWS, the embedded engine locally). */
export interface ExecutionStarter {
  /**
   * Idempotent on `name`: starting an existing execution again returns its ARN (Step Functions:
   * the same name and input; the local engine: within its process, so callers that may race
   * claim the run first by moving it `queued` → `running`, src/core/concurrency.ts).
   */
  start(request: { stateMachine: string; name: string; input: unknown }): Promise<string>;
  stop(executionArn: string, cause: string): Promise<void>;
}

/** A step build as CodeBuild reports it: its status and its environment variables (plain-text values). */
export interface BuildResult {
  /** The id the step holds (`buildId`). */
  id: string;
  status: string;
  variables: Record<string, string>;
}

/** Reads step builds' results (CodeBuild `BatchGetBuilds` on AWS). */
export interface BuildResults {
  describe(ids: string[]): Promise<BuildResult[]>;
}

/**
 * Resumes a failed or cancelled run's execution at the steps that did not succeed (Step Functions
 * `RedriveExecution` on AWS, the embedded engine locally). Resolves once the redrive has begun;
 * throws `NotRedrivableError` (a conflict) or another `Refusal` when the engine refuses it.
 */
export interface ExecutionRedriver {
  redrive(executionArn: string): Promise<void>;
}

/**
 * Releases an approval's task token (SendTaskSuccess/SendTaskFailure). Locally there is nothing to
 * send: the approval task polls the decision the store recorded (local/engine/local-control.ts).
 */
export interface TaskTokens {
  succeed(token: string, output: unknown): Promise<void>;
  fail(token: string, error: string, cause: string): Promise<void>;
}

export type CommitState = 'pending' | 'success' | 'failure' | 'error';

/** GitHub commit statuses (`sci/<pipeline>`). */
export interface StatusReporter {
  setStatus(
    repo: string,
    sha: string,
    status: { context: string; state: CommitState; description: string; targetUrl?: string },
  ): Promise<void>;
}

/** A repository on the forge: its pipeline files at a commit, branch heads and changed files. */
export interface RepositoryReader {
  source(repo: string): PipelineSource;
  /** The commit a branch points at now. */
  resolveBranch(repo: string, branch: string): Promise<string>;
  /** Files changed between two commits; undefined when the forge cannot tell (then path filters match). */
  changedFiles(repo: string, base: string, head: string): Promise<string[] | undefined>;
}

/** One EventBridge Scheduler schedule per pipeline + cron. */
export interface ScheduleSpec {
  /** Deterministic, ≤ 64 chars. */
  name: string;
  /** `cron(m h dom mon dow *)` in EventBridge syntax, UTC. */
  expression: string;
  /** What the scheduled Lambda receives. */
  target: { repo: string; pipeline: string; branch: string; cron: string };
}

export interface Scheduler {
  /** Names of the schedules that exist for a repository (by name prefix). */
  list(prefix: string): Promise<string[]>;
  upsert(schedule: ScheduleSpec): Promise<void>;
  remove(name: string): Promise<void>;
}
