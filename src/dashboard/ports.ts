/** What the dashboard needs besides the run store: step logs and actions. */
import type { ControlResult } from '../core/control.ts';
import type { RunRecord, StepRecord } from '../core/ports.ts';
import type { Release } from '../store/environments.ts';

/** A step's log read from a position: local files by byte offset, CloudWatch Logs by token. */
export interface StepLogs {
  /** Text after `from` (from the start when absent) and the position to read from next. */
  read(run: RunRecord, step: StepRecord, from?: string): Promise<{ text: string; next: string }>;
}

/** The actions the run page offers, through the same control use cases as the CLI. */
export interface RunActions {
  decide(runId: string, stepKey: string, verb: 'approve' | 'reject', by: string): Promise<ControlResult>;
  cancel(runId: string, by: string): Promise<ControlResult>;
  /** Resumes a failed or cancelled run at its steps that did not succeed. */
  redrive(runId: string): Promise<ControlResult>;
}

/** Where a run on AWS can be seen in the AWS console (none for a local run). */
export interface RunLinks {
  /** The execution in the Step Functions console. */
  execution?: string;
  /** Each step's (latest) build in the CodeBuild console, by step key. */
  builds?: Record<string, string>;
}

/** An environment on the environments page: its current release and its history, newest first. */
export interface EnvironmentEntry {
  name: string;
  current: Release;
  history: Release[];
}

/** The environments page's reads and its actions, the same as `sci envs`, `sci promote`, `sci rollback`. */
export interface Environments {
  list(): Promise<EnvironmentEntry[]>;
  /** Re-releases `from`'s current release to `to`. */
  promote(from: string, to: string): Promise<ControlResult>;
  /** Re-releases `name`'s previous successful release. */
  rollback(name: string): Promise<ControlResult>;
}
