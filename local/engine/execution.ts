/**
 * One local execution, with the run lifecycle of the execution contract: the run and its pending
 * steps are written first, the run goes `running`, aws-local-stepfunctions interprets the compiled
 * definition with our task overrides, and the execution's end decides the run's terminal status
 * (the store then settles steps left pending/running/waiting as cancelled).
 */
import '../polyfills.ts';
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { ExecutionAbortedError, StateMachine, type RunOptions, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { pendingStepRecords, type PlannedStep } from '../../src/core/pending-steps.ts';
import type { RunRecord } from '../../src/core/ports.ts';
import { executionInput, type InputValues, type RunFacts as CoreRunFacts } from '../../src/core/run-facts.ts';
import { removeRunDir } from '../build-runner/workspace.ts';
import type { RunStatus } from '../../statemachines/pipeline/model.ts';
import { taskStates, type AslMachine } from './definition.ts';
import { taskHandlers, type TaskHandler } from './handlers.ts';
import { newRunId } from './ulid.ts';
import { executionContext } from './sentinels.ts';
import type { EngineServices } from './services.ts';

/** What the engine needs of a compiled pipeline (`CompiledPipeline` satisfies it). */
export interface ExecutablePipeline {
  pipelineId: string;
  definition: AslMachine;
  /** sha256 of the definition the run is bound to. */
  hash: string;
  steps: PlannedStep[];
  callees: Array<{ key: string; pipeline: string }>;
  /** The machines a pipeline over Step Functions' quotas is split into, keyed in `run.callees` by id. */
  parts?: Array<{ id: string; definition: AslMachine }>;
}

/** The `run` object of the execution input, minus what the engine fills (id, pipeline, callees). */
export type RunFacts = CoreRunFacts & { inputs: InputValues };

export interface ExecutionRequest {
  pipeline: ExecutablePipeline;
  facts: RunFacts;
  parentRunId?: string;
  /** The run id the caller chose (a callee's `<parent>.<key>`); a new ULID when absent. */
  runId?: string;
  /** Aborts the execution (Ctrl-C, a parent's abort). */
  signal?: AbortSignal;
  /** Called once the run exists in the store. */
  onCreated?(runId: string): void;
}

export interface ExecutionOutcome {
  runId: string;
  status: Extract<RunStatus, 'succeeded' | 'failed' | 'cancelled'>;
  output: unknown;
  error?: string;
}

/** Hooks the engine provides around each execution (ownership, cancel requests). */
export interface ExecutionHooks {
  claim(runId: string): Promise<void>;
  cancelRequested(runId: string): Promise<boolean>;
  /** How often to look for a cancel request. */
  pollMs: number;
}

function runRecord(req: ExecutionRequest, runId: string, now: string): RunRecord {
  const { facts } = req;
  return {
    id: runId,
    repo: facts.repo,
    pipeline: req.pipeline.pipelineId,
    status: 'queued',
    event: facts.event,
    sha: facts.sha,
    ref: facts.ref,
    branch: facts.branch,
    tag: facts.tag,
    actor: facts.actor,
    inputs: facts.inputs,
    createdAt: now,
    executionArn: `local:${runId}`,
    definitionHash: req.pipeline.hash,
    ...(req.parentRunId ? { parentRunId: req.parentRunId } : {}),
  };
}

/** Wait between build retries: CodeBuild's 10 s start-up cadence means nothing on a laptop. */
export const LOCAL_BUILD_RETRY_MS = 1000;

function buildRetryIntervals(definition: AslMachine): Record<string, number> {
  const builds = [...taskStates(definition).values()].filter((s) => s.resource.endsWith(':codebuild:startBuild.sync'));
  return Object.fromEntries(builds.map((s) => [s.name, LOCAL_BUILD_RETRY_MS]));
}

/** Runs `promise`, settling in-flight task overrides before the run's end is recorded. */
function tracked(handlers: Record<string, TaskHandler>, inflight: Set<Promise<unknown>>): Record<string, TaskHandler> {
  return Object.fromEntries(
    Object.entries(handlers).map(([name, handler]) => [
      name,
      (input: unknown) => {
        const p = handler(input);
        inflight.add(p);
        const forget = () => inflight.delete(p);
        p.then(forget, forget);
        return p;
      },
    ]),
  );
}

/** Writes the run and its pending steps, claims it for this process, and marks it running. */
async function openRun(services: EngineServices, hooks: ExecutionHooks, req: ExecutionRequest): Promise<string> {
  const runId = req.runId ?? newRunId(services.now().getTime());
  await services.store.createRun(runRecord(req, runId, services.now().toISOString()), pendingStepRecords(runId, req.pipeline.steps));
  await hooks.claim(runId);
  req.onCreated?.(runId);
  await services.store.transitionRun(runId, 'running', { startedAt: services.now().toISOString() });
  return runId;
}

/** Starts the interpreter on the compiled definition with the local task overrides. */
function interpret(services: EngineServices, req: ExecutionRequest, runId: string, signal: AbortSignal, inflight: Set<Promise<unknown>>) {
  const handlers = taskHandlers(req.pipeline.definition, { runId, steps: req.pipeline.steps, untrusted: req.facts.pr.fork, signal }, services);
  // The compiler's output is checked against asl-validator by its own tests; validating again
  // here costs ~0.8 s per execution (schema compilation), which would dwarf a small run.
  const machine = new StateMachine(req.pipeline.definition as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } });
  const overrides = {
    taskResourceLocalHandlers: tracked(handlers, inflight),
    retryIntervalOverrides: buildRetryIntervals(req.pipeline.definition),
  } as unknown as RunOptions['overrides'];
  const callees = Object.fromEntries([
    ...req.pipeline.callees.map((c) => [c.key, `local:${c.pipeline}`]),
    ...(req.pipeline.parts ?? []).map((p) => [p.id, `local:${p.id}`]),
  ]);
  const input = executionInput(runId, req.pipeline.pipelineId, req.facts, req.facts.inputs, callees);
  return machine.run(input as never, { overrides, context: executionContext(`local:${runId}`, req.pipeline.pipelineId) } as RunOptions);
}

/**
 * Runs one part of a split pipeline (statemachines/compiler/split.ts) inside the run that started
 * it: no run of its own, the run's steps and store; resolves with the part's output.
 */
export async function executePart(
  services: EngineServices,
  req: { runId: string; pipeline: ExecutablePipeline; part: { id: string; definition: AslMachine }; untrusted: boolean; input: unknown; signal: AbortSignal },
): Promise<Omit<ExecutionOutcome, 'runId'>> {
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  const inflight = new Set<Promise<unknown>>();
  const handlers = taskHandlers(req.part.definition, { runId: req.runId, steps: req.pipeline.steps, untrusted: req.untrusted, signal: abort.signal }, services);
  const machine = new StateMachine(req.part.definition as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } });
  const overrides = {
    taskResourceLocalHandlers: tracked(handlers, inflight),
    retryIntervalOverrides: buildRetryIntervals(req.part.definition),
  } as unknown as RunOptions['overrides'];
  const execution = machine.run(req.input as never, { overrides, context: executionContext(`local:${req.runId}:${req.part.id}`, req.part.id) } as RunOptions);
  const onAbort = () => execution.abort();
  req.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return { status: 'succeeded', output: await execution.result };
  } catch (error) {
    const status = error instanceof ExecutionAbortedError ? 'cancelled' : 'failed';
    return { status, output: null, error: error instanceof Error ? error.message : String(error) };
  } finally {
    req.signal.removeEventListener('abort', onAbort);
    abort.abort();
    await Promise.allSettled([...inflight]);
  }
}

/** Waits for the execution's end, aborting it on the caller's signal or a `sci cancel` request. */
async function awaitEnd(execution: ReturnType<typeof interpret>, runId: string, hooks: ExecutionHooks, signal: AbortSignal | undefined): Promise<ExecutionOutcome> {
  const onAbort = () => execution.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const watcher = setInterval(() => {
    hooks.cancelRequested(runId).then((yes) => yes && execution.abort(), () => undefined);
  }, hooks.pollMs);
  try {
    return { runId, status: 'succeeded', output: await execution.result };
  } catch (error) {
    const cancelled = error instanceof ExecutionAbortedError;
    return { runId, status: cancelled ? 'cancelled' : 'failed', output: null, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearInterval(watcher);
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Counts what Step Functions would bill: a transition per state entered (branches' states
 * included) and per retry, from the interpreter's event log.
 */
async function countTransitions(events: AsyncGenerator<{ type: string }>, counter: { transitions: number }): Promise<void> {
  for await (const event of events) if (event.type === 'StateEntered' || event.type === 'StateRetried') counter.transitions += 1;
}

/** Executes one pipeline run to its end; never throws for the pipeline's own failure. */
export async function executeRun(services: EngineServices, hooks: ExecutionHooks, req: ExecutionRequest): Promise<ExecutionOutcome> {
  const runId = await openRun(services, hooks, req);
  const abort = new AbortController();
  // every running task listens on the run's signal; hundreds in parallel are expected
  setMaxListeners(0, abort.signal);
  const inflight = new Set<Promise<unknown>>();
  let outcome: ExecutionOutcome;
  const billed = { transitions: 0 };
  let counted: Promise<void> = Promise.resolve();
  try {
    const execution = interpret(services, req, runId, abort.signal, inflight);
    counted = countTransitions(execution.eventLogs, billed).catch(() => undefined);
    outcome = await awaitEnd(execution, runId, hooks, req.signal);
  } catch (error) {
    // a definition the engine cannot start (e.g. a resource it does not implement) still ends the run
    outcome = { runId, status: 'failed', output: null, error: error instanceof Error ? error.message : String(error) };
  } finally {
    // stop what the interpreter abandoned (killed builds, waiting approvals) before recording the end
    abort.abort();
    await Promise.allSettled([...inflight]);
  }
  // the log ends with the execution; a stuck generator must not hold the run's end
  await Promise.race([counted, new Promise((done) => setTimeout(done, 1000).unref())]);
  try {
    // the store settles steps still pending/running/waiting as cancelled, with this reason
    await services.store.transitionRun(runId, outcome.status, {
      endedAt: services.now().toISOString(),
      transitions: billed.transitions,
      ...(outcome.status === 'cancelled' ? { reason: 'cancelled' } : {}),
    });
  } finally {
    await removeRunDir(join(services.paths.work, runId));
  }
  return outcome;
}
