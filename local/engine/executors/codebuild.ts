/**
 * `codebuild:startBuild.sync`: one `run` step (one matrix cell) handed to the local build runner
 * with the very CodeBuild parameters. Resolves with the build (as the .sync integration does) or
 * fails with `States.TaskFailed` whose Cause carries the build status and the reason.
 */
import { randomUUID } from 'node:crypto';
import { readBuildParams } from '../../build-runner/params.ts';
import { runBuild } from '../../build-runner/runner.ts';
import { onBuildState } from '../../../src/core/report.ts';
import { TaskError } from '../errors.ts';
import { carriedBuild } from './carried.ts';
import type { Executor, TaskRun } from '../services.ts';

/** The step instance a build belongs to: its `SCI_STEP_KEY`, else its `SCI_STEP` (display name), else the state name. */
export function stepKeyOf(run: TaskRun, vars: Array<{ Name: string; Value: string }>, stateName: string): string {
  const key = vars.find((v) => v.Name === 'SCI_STEP_KEY')?.Value;
  const value = vars.find((v) => v.Name === 'SCI_STEP')?.Value;
  const step =
    run.steps.find((s) => s.key === key) ??
    run.steps.find((s) => s.name === value || s.key === value) ??
    run.steps.find((s) => s.name === stateName || s.key === stateName);
  if (!step) throw new Error(`cannot tell which step state ${stateName} builds (SCI_STEP=${value ?? 'unset'})`);
  return step.key;
}

export const codebuildExecutor: Executor = async (input, state, run, services) => {
  const params = readBuildParams(input);
  const key = stepKeyOf(run, params.EnvironmentVariablesOverride ?? [], state.name);
  if (run.carried?.has(key)) return carriedBuild(services, run, key);
  // one id per attempt, so a repeated "started" write never counts an attempt twice
  const attemptId = randomUUID();
  // the step stays `pending` until a build slot is free: its `running` write is the build's start
  const release = await services.buildSlots.acquire(run.signal);
  const outcome = await runBuild(params, {
    repoDir: services.repoDir,
    paths: services.paths,
    runId: run.runId,
    stepKey: key,
    timeoutMs: state.timeoutSeconds * 1000,
    signal: run.signal,
    hostEnv: services.hostEnv,
    untrusted: run.untrusted,
    untrustedPolicy: services.untrustedPolicy,
    launcher: (image, login) => services.launchers.forImage(image, login),
    onLaunch: (where) => services.onLaunch(run.runId, key, where),
    onLine: (line) => services.onLine(run.runId, key, line),
    onStart: async () => {
      await services.store.transitionStep(run.runId, key, 'running', {
        startedAt: services.now().toISOString(),
        incrementAttempts: true,
        attemptId,
      });
    },
  }).finally(release);
  const build = {
    Id: outcome.id,
    BuildStatus: outcome.status,
    SourceVersion: params.SourceVersion,
    Logs: { DeepLink: outcome.logFile },
    ExportedEnvironmentVariables: outcome.exported,
  };
  if (outcome.status === 'SUCCEEDED') {
    run.buildFailures?.delete(key);
    // As CodeBuild's "Build State Change" event does on AWS, before the state machine goes on.
    await onBuildState(
      { store: services.store, clock: { now: services.now } },
      {
        'build-status': 'SUCCEEDED',
        'build-id': outcome.id,
        'additional-information': {
          environment: {
            'environment-variables': (params.EnvironmentVariablesOverride ?? []).map((v) => ({
              name: v.Name,
              value: v.Value,
            })),
          },
        },
      },
    );
    return { Build: build };
  }
  run.buildFailures?.set(key, outcome.reason);
  throw new TaskError('States.TaskFailed', JSON.stringify({ Build: build, Reason: outcome.reason }));
};
