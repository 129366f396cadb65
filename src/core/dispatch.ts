/**
 * The dispatcher use case: from a trigger (push, pull request, schedule, manual, upstream
 * pipeline) to running executions. Every id derives from `seed`, so running it twice for the
 * same trigger (an SQS retry after a crash at any point) starts nothing new.
 */
import type { Pipeline } from '../../statemachines/pipeline/model.ts';
import type { CompileTarget } from '../../statemachines/compiler/scope.ts';
import type {
  Clock,
  ExecutionStarter,
  PipelineSource,
  RunRecord,
  RunStore,
  StateMachineRegistry,
  StatusReporter,
} from './ports.ts';
import {
  compileWithCallees,
  firstProblemByFile,
  loadPipelines,
  type CompiledRun,
  type TriggerEvent,
} from './pipelines.ts';
import type { Diagnostic } from '../../statemachines/diagnostics.ts';
import { secretsOutsidePrefix, type SecretPrefixes } from '../../statemachines/pipeline/secret-prefix.ts';
import { type BuildRoles, executionInput, type InputValues, isUntrusted, type RunFacts } from './run-facts.ts';
import { runIdFor } from './run-id.ts';
import { concurrencyGroupOf, enterGroup } from './concurrency.ts';
import { createChildRuns } from './child-runs.ts';
import { pendingStepRecords } from './pending-steps.ts';
import { invalid, notFound, ok, type Result } from './result.ts';

export interface DispatchDeps {
  store: RunStore;
  registry: StateMachineRegistry;
  executions: ExecutionStarter;
  statuses: StatusReporter;
  clock: Clock;
  target: CompileTarget;
  /** State machine name for a pipeline (`sci-<hash of repo>-<slug>` on AWS). */
  machineName: (repo: string, pipelineId: string) => string;
  /** Link for commit statuses (the execution in the Step Functions console on AWS), known before it starts. */
  runUrl: (stateMachine: string, runId: string) => string;
  /** Where steps may read secrets (on AWS, the step role's prefixes); absent = anywhere (local runs). */
  secretPrefixes?: SecretPrefixes;
  /** The service roles of trusted and untrusted builds (on AWS; absent locally). */
  buildRoles?: BuildRoles;
}

export interface DispatchRequest {
  /** What makes this trigger unique: delivery GUID, scheduler invocation id, API request id. */
  seed: string;
  facts: RunFacts;
  /** Matched against each pipeline's `on:` (see statemachines/pipeline). */
  trigger: TriggerEvent;
  /** Raw inputs for `manual` (validated and typed against the pipeline's declaration). */
  inputs?: Record<string, unknown>;
  parentRunId?: string;
  /** Start only this pipeline (manual and scheduled runs), if its trigger matches. */
  only?: string;
}

/** What starting chosen pipelines needs of a request (the trigger already did its choosing). */
export type StartRequest = Pick<DispatchRequest, 'seed' | 'facts' | 'parentRunId'>;

/** The runs a dispatch started (none when no pipeline's trigger matched). */
export interface Dispatched {
  runs: Array<{ runId: string; pipeline: string; executionArn: string }>;
}

/**
 * Refusals: `invalid` (a broken pipeline file, each problem at its file:line:col, or a bad input,
 * at the input's name), `not-found` (the pipeline asked for by name does not run on this event).
 */
export type DispatchOutcome = Result<Dispatched>;

/** Reads the pipelines at the commit, then starts every one the trigger matches. */
export async function dispatch(
  deps: DispatchDeps,
  source: PipelineSource,
  request: DispatchRequest,
): Promise<DispatchOutcome> {
  const loaded = loadPipelines(await source.readPipelineFiles(request.facts.sha), request.trigger);
  if (!loaded.ok) return reportInvalid(deps, request, loaded.diagnostics);
  const matched =
    request.only === undefined ? loaded.matched : loaded.matched.filter((m) => m.pipeline.id === request.only);
  if (request.only !== undefined && matched.length === 0) {
    return notFound(
      `pipeline ${request.only} does not exist at ${request.facts.sha.slice(0, 7)} or has no ${request.facts.event} trigger`,
    );
  }
  // Inputs are typed for every pipeline before anything starts: a bad input starts nothing.
  const typed = [];
  for (const { pipeline, inputs } of matched) {
    const resolved = inputs(request.inputs ?? {});
    if (!resolved.ok) return invalid(resolved.problems);
    typed.push({ pipeline, inputs: resolved.value });
  }
  return startPipelines(deps, loaded.all, typed, request);
}

/**
 * Compiles the chosen pipelines (inputs already typed) and starts a run of each. `dispatch` chooses
 * by trigger; `sci run` chooses by name too (a named pipeline runs whatever its `on`).
 */
export async function startPipelines(
  deps: DispatchDeps,
  all: Pipeline[],
  chosen: Array<{ pipeline: Pipeline; inputs: InputValues }>,
  request: StartRequest,
): Promise<DispatchOutcome> {
  // Compiled before anything starts too: a pipeline over Step Functions' limits starts nothing.
  const compiled = [];
  for (const { pipeline, inputs } of chosen) {
    const run = compileWithCallees(all, pipeline, deps.target);
    if (!run.ok) return reportInvalid(deps, request, run.diagnostics);
    compiled.push({ pipeline, inputs, run: run.value });
  }
  // A secret the step role cannot read would fail a step later with AccessDenied: refuse the commit now.
  const unreadable = deps.secretPrefixes
    ? outsidePrefix(
        all,
        compiled.map((c) => c.run),
        deps.secretPrefixes,
      )
    : [];
  if (unreadable.length > 0) return reportInvalid(deps, request, unreadable);
  const runs = [];
  for (const { pipeline, inputs, run } of compiled) {
    runs.push(await startRun(deps, pipeline, run, inputs, request));
  }
  return ok({ runs });
}

/** Secret references outside the prefixes, in every pipeline a run would execute (callees too). */
function outsidePrefix(all: Pipeline[], runs: CompiledRun[], prefixes: SecretPrefixes): Diagnostic[] {
  const ids = new Set(runs.flatMap((r) => [...r.program.keys()]));
  return all.filter((p) => ids.has(p.id)).flatMap((p) => secretsOutsidePrefix(p, prefixes));
}

/** Nothing runs from a broken commit; each broken file shows its first problem on the commit. */
async function reportInvalid(
  deps: DispatchDeps,
  request: StartRequest,
  diagnostics: Diagnostic[],
): Promise<DispatchOutcome> {
  const problems = firstProblemByFile(diagnostics);
  await Promise.all(
    problems.map((p) =>
      deps.statuses.setStatus(request.facts.repo, request.facts.sha, {
        context: `sci/${p.pipeline}`,
        state: 'failure',
        description: p.message,
      }),
    ),
  );
  return invalid(problems.map(({ message, at }) => ({ message, ...(at ? { at } : {}) })));
}

/** The run record (queued) for `pipeline`, bound to its compiled definition. */
function runRecord(
  deps: DispatchDeps,
  pipeline: Pipeline,
  runId: string,
  hash: string,
  inputs: InputValues,
  request: StartRequest,
  group: string | undefined,
  queued: Pick<RunRecord, 'queuedStart'>,
): RunRecord {
  const { facts } = request;
  return {
    id: runId,
    repo: facts.repo,
    pipeline: pipeline.id,
    status: 'queued',
    event: facts.event,
    sha: facts.sha,
    ref: facts.ref,
    branch: facts.branch,
    tag: facts.tag,
    actor: facts.actor,
    inputs,
    createdAt: deps.clock.now().toISOString(),
    definitionHash: hash,
    ...(request.parentRunId ? { parentRunId: request.parentRunId } : {}),
    ...(group ? { concurrencyGroup: group } : {}),
    ...(isUntrusted(facts) ? { untrusted: true } : {}),
    ...queued,
  };
}

async function startRun(
  deps: DispatchDeps,
  pipeline: Pipeline,
  compiled: CompiledRun,
  inputs: InputValues,
  request: StartRequest,
) {
  const { facts } = request;
  const runId = runIdFor(request.seed, pipeline.id);
  const callees: Record<string, string> = {};
  for (const callee of compiled.callees) {
    callees[callee.key] = await deps.registry.ensureVersion({
      name: deps.machineName(facts.repo, callee.pipelineId),
      definition: callee.json,
      hash: callee.hash,
    });
  }
  const version = await deps.registry.ensureVersion({
    name: deps.machineName(facts.repo, pipeline.id),
    definition: compiled.root.json,
    hash: compiled.root.hash,
  });
  const group = concurrencyGroupOf(pipeline, runId, facts, inputs);
  const input = executionInput(runId, pipeline.id, facts, inputs, callees, deps.buildRoles);
  // A run of a group keeps how to start: whoever finds it holding the group starts it (concurrency.ts).
  const queued = group ? { queuedStart: { stateMachine: version, input: JSON.stringify(input) } } : {};
  let run = runRecord(deps, pipeline, runId, compiled.root.hash, inputs, request, group?.name, queued);
  if (!(await deps.store.createRun(run, pendingStepRecords(runId, compiled.root.steps)))) {
    // A redelivery of a trigger whose run already started or ended: touch nothing (its status may be final).
    const existing = (await deps.store.getRun(runId))?.run;
    if (existing && existing.status !== 'queued')
      return { runId, pipeline: pipeline.id, executionArn: existing.executionArn ?? '' };
    // Still queued (the first try died on the way): carry on as that run, as it was recorded.
    if (existing) run = existing;
  }
  await createChildRuns(deps.store, run, compiled.program);
  if (group) {
    await enterGroup({ ...deps, startUrl: deps.runUrl }, run, group);
    return { runId, pipeline: pipeline.id, executionArn: (await deps.store.getRun(runId))?.run.executionArn ?? '' };
  }
  // Posted before the start, so the reporter's final status can never be overwritten by this one.
  await deps.statuses.setStatus(facts.repo, facts.sha, {
    context: `sci/${pipeline.id}`,
    state: 'pending',
    description: `${pipeline.name}: running`,
    targetUrl: deps.runUrl(version, runId),
  });
  const executionArn = await deps.executions.start({ stateMachine: version, name: runId, input });
  await deps.store.transitionRun(runId, 'running', { startedAt: deps.clock.now().toISOString(), executionArn });
  return { runId, pipeline: pipeline.id, executionArn };
}
