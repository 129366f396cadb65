/**
 * The small interfaces the core uses to reach the world. AWS adapters (src/aws, src/store)
 * and local adapters (local/) implement them, so one core serves Lambda and `sci run`.
 */
import type { EventName, RunStatus, StepStatus } from '../../statemachines/pipeline/model.ts';

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
}

export interface StepRecord {
  runId: string;
  /** Instance key (identifier-safe), the sort key. */
  key: string;
  /** Display name: `test (node=20, shard=1)`. */
  name: string;
  kind: 'run' | 'approval' | 'pipeline';
  /** Position in the plan, for stable display order. */
  order: number;
  status: StepStatus;
  attempts: number;
  startedAt?: string;
  endedAt?: string;
  reason?: string;
}

export interface RunWithSteps {
  run: RunRecord;
  steps: StepRecord[];
}

/** Run state, persisted in DynamoDB (dynalite locally). Transitions never move backwards. */
export interface RunStore {
  /** Writes the run and its pending steps; false when a run with this id already exists. */
  createRun(run: RunRecord, steps: StepRecord[]): Promise<boolean>;
  getRun(runId: string): Promise<RunWithSteps | undefined>;
  /** Newest first. */
  listRuns(query: { repo?: string; pipeline?: string; limit?: number }): Promise<RunRecord[]>;
  /** Applies the transition if it moves the run forward; returns whether it did. */
  transitionRun(runId: string, to: RunStatus, fields?: Partial<Pick<RunRecord, 'startedAt' | 'endedAt' | 'reason' | 'executionArn'>>): Promise<boolean>;
  transitionStep(runId: string, key: string, to: StepStatus, fields?: { startedAt?: string; endedAt?: string; reason?: string; incrementAttempts?: boolean }): Promise<boolean>;
  /** Records a webhook delivery; false when it was seen before (a redelivery). */
  recordDelivery(hookId: string, guid: string, details: Record<string, string>): Promise<boolean>;
  /** The task token an approval step is waiting on, if it is waiting. */
  getApprovalToken(runId: string, key: string): Promise<string | undefined>;
}

export interface Clock {
  now(): Date;
}

/** Pipeline files (`.sci/**.yml|yaml`) of a repository at one exact commit. */
export interface PipelineSource {
  readPipelineFiles(sha: string): Promise<Array<{ path: string; text: string }>>;
}
