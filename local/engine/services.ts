/**
 * What the task executors share: the store, the raw DynamoDB client the definitions' own
 * `dynamodb:*` tasks go through, the state home, the token registry and child executions.
 */
import '../polyfills.ts';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RunStore } from '../../src/core/ports.ts';
import type { UntrustedPolicy } from '../build-runner/isolation.ts';
import type { RunnerPaths } from '../build-runner/runner.ts';
import type { Launchers } from '../containers/launchers.ts';
import type { TaskState } from './definition.ts';
import type { TokenWaiters } from './token-waiters.ts';
import type { BuildSlots } from './build-slots.ts';
import type { StoreWrites } from '../store/changes.ts';

export interface EngineServices {
  store: RunStore;
  dynamo: DynamoDBClient;
  tableName: string;
  paths: RunnerPaths;
  /** The git repository builds check out from. */
  repoDir: string;
  hostEnv: NodeJS.ProcessEnv;
  untrustedPolicy: UntrustedPolicy;
  /** Where each `run` step runs: its image on a container engine, or a local process. */
  launchers: Launchers;
  /** Where a step (attempt) runs, as soon as it is known. */
  onLaunch(runId: string, stepKey: string, where: string): void;
  tokens: TokenWaiters;
  now(): Date;
  /** Runs a callee pipeline as a child execution and waits for its end. */
  startChild(request: ChildRequest): Promise<ChildResult>;
  /** Every line of every step's log, masked, as it is written. */
  onLine(runId: string, stepKey: string, line: string): void;
  /** Bounds the builds running at once; a build waits for a slot before it starts. */
  buildSlots: BuildSlots;
  /** The writes this process answered while it serves the store: a poll reads only after one. */
  storeWrites: StoreWrites;
}

export interface ChildRequest {
  /** The value of `run.callees.<key>`: `local:<pipelineId>:<hash>` (see state-machines.ts). */
  stateMachine: string;
  input: unknown;
  /** The calling run is untrusted: so is its callee. */
  untrusted: boolean;
  signal: AbortSignal;
  /** The calling run's carried steps (a redrive): a part of a split pipeline, in the same run, carries them too. */
  carried?: ReadonlySet<string>;
}

export interface ChildResult {
  runId: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  output: unknown;
  error?: string;
}

/** The execution a task belongs to. */
export interface TaskRun {
  runId: string;
  /** The compiled pipeline's step instances (key, display name). */
  steps: Array<{ key: string; name: string }>;
  /** The run's event is untrusted (a fork's pull request), from the run's facts. */
  untrusted: boolean;
  /** Aborted when the execution is cancelled or ends. */
  signal: AbortSignal;
  /** A redrive's steps that succeeded before: their tasks are not run again and their records stand. */
  carried?: ReadonlySet<string>;
  /** Why each step's last build failed, in the build's words (executors/build-failures.ts). */
  buildFailures?: Map<string, string>;
}

/** One executor per Task resource (as the interpreter has one per state type). */
export type Executor = (input: unknown, state: TaskState, run: TaskRun, services: EngineServices) => Promise<unknown>;

/** An AbortSignal that fires when the execution is aborted or the state's own timeout passes. */
export function taskSignal(run: TaskRun, state: TaskState): AbortSignal {
  // not AbortSignal.timeout: its timer can't hold 25 days or more (the polyfilled setTimeout can)
  const timeout = new AbortController();
  setTimeout(() => timeout.abort(new DOMException('timed out', 'TimeoutError')), state.timeoutSeconds * 1000).unref();
  return AbortSignal.any([run.signal, timeout.signal]);
}
