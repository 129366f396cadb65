/**
 * The AWS lifecycle with local adapters, wired once for `sci run` and `sci serve`: the core's
 * dispatch (src/core/dispatch.ts) starts runs through the local registry and executions, and each
 * execution's status changes go to the core's reporter (src/core/report.ts), which ends the run,
 * posts the status and starts `on.pipeline` followers, exactly as the Lambdas do.
 */
import { join } from 'node:path';
import type { DispatchDeps } from '../src/core/dispatch.ts';
import { startFollowers } from '../src/core/followers.ts';
import type { PipelineSource, StatusReporter } from '../src/core/ports.ts';
import { onExecutionStatus, type ExecutionStatusDetail, type ReportDeps } from '../src/core/report.ts';
import { DEFAULT_TARGET } from '../statemachines/compiler/scope.ts';
import type { UntrustedPolicy } from './build-runner/isolation.ts';
import type { ContainerMode } from './containers/engine.ts';
import { LocalExecutions } from './engine/engine.ts';
import { LocalStateMachines } from './engine/state-machines.ts';
import type { LocalSession } from './session.ts';

/** The use cases the runtime calls, replaceable so a test can count the calls. */
export interface CoreCalls {
  report: typeof onExecutionStatus;
}

export interface LocalRuntimeOptions {
  session: LocalSession;
  repoDir: string;
  /** The repository's clone URL (`run.repoUrl`; followers start with it too). */
  repoUrl: string;
  /** Pipeline files at a commit (followers read theirs at the upstream run's commit). */
  source: PipelineSource;
  statuses: StatusReporter;
  /** Where a run can be seen (a commit status's link). */
  runUrl(runId: string): string;
  containers?: ContainerMode;
  /** Untrusted steps (fork pull requests) with no sandbox usable: refused, or run anyway. @default 'sandbox' */
  untrustedPolicy?: UntrustedPolicy;
  /** Top-level runs executing at once (see LocalExecutions). @default unlimited */
  maxRunning?: number;
  /** Steps (builds) running at once over all runs (`-j`). @default the core count */
  parallel?: number;
  onNotice?(text: string): void;
  onLaunch?(runId: string, stepKey: string, where: string): void;
  /** A run's execution started (dispatched runs and followers; not the children of `pipeline:` steps). */
  onRunStarted?(runId: string): void;
  /** Every execution status change, after the reporter handled it (with what it did). */
  onReported?(detail: ExecutionStatusDetail, outcome: string): void;
  core?: Partial<CoreCalls>;
}

export interface LocalRuntime {
  dispatch: DispatchDeps;
  report: ReportDeps;
  executions: LocalExecutions;
  machines: LocalStateMachines;
}

export function localRuntime(o: LocalRuntimeOptions): LocalRuntime {
  const { session } = o;
  const report = o.core?.report ?? onExecutionStatus;
  const machines = new LocalStateMachines(join(session.home, 'machines'));
  const clock = { now: () => new Date() };
  const executions = new LocalExecutions({
    store: session.store,
    dynamo: session.dynamo,
    tableName: session.table.tableName,
    paths: session.paths,
    storeWrites: session.writes,
    repoDir: o.repoDir,
    machines,
    onStatus: async (detail) => {
      const outcome = await report(reportDeps, detail);
      o.onReported?.(detail, outcome);
    },
    ...(o.containers ? { containers: o.containers } : {}),
    ...(o.untrustedPolicy ? { untrustedPolicy: o.untrustedPolicy } : {}),
    ...(o.onNotice ? { onNotice: o.onNotice } : {}),
    ...(o.onLaunch ? { onLaunch: o.onLaunch } : {}),
    ...(o.onRunStarted ? { onStart: o.onRunStarted } : {}),
    ...(o.maxRunning ? { maxRunning: o.maxRunning } : {}),
    ...(o.parallel ? { parallel: o.parallel } : {}),
  });
  const dispatchDeps: DispatchDeps = {
    store: session.store,
    registry: machines,
    executions,
    statuses: o.statuses,
    clock,
    target: { ...DEFAULT_TARGET, tableName: session.table.tableName },
    // one repository per state home: the pipeline id names its machine
    machineName: (_repo, pipelineId) => pipelineId,
    runUrl: (_machine, runId) => o.runUrl(runId),
  };
  const reportDeps: ReportDeps = {
    store: session.store,
    statuses: o.statuses,
    clock,
    runUrl: (_arn, runId) => o.runUrl(runId),
    startUrl: (_machine, runId) => o.runUrl(runId),
    startFollowers: async (run) => {
      await startFollowers(dispatchDeps, o.source, run, o.repoUrl);
    },
    executions,
  };
  return { dispatch: dispatchDeps, report: reportDeps, executions, machines };
}
