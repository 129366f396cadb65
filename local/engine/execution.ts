/**
 * One execution on aws-local-stepfunctions: the compiled definition interpreted with our task
 * overrides until it ends. It records nothing of the run itself: its end goes to the same
 * reporter use case (src/core/report.ts) that Step Functions' status events reach on AWS.
 */
import '../polyfills.ts';
import { setMaxListeners } from 'node:events';
import {
  ExecutionAbortedError,
  StateMachine,
  type RunOptions,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { taskStates, type AslMachine } from './definition.ts';
import { taskHandlers, type TaskHandler } from './handlers.ts';
import { executionContext } from './sentinels.ts';
import type { EngineServices, TaskRun } from './services.ts';

export interface ExecutionRequest {
  /** `local:<runId>`. */
  executionArn: string;
  runId: string;
  /** The state machine's name (the pipeline id), for the context object. */
  machineName: string;
  definition: AslMachine;
  input: unknown;
  /** The run's step instances (key, display name), as the store recorded them. */
  steps: TaskRun['steps'];
  /** The run's event is untrusted (a fork's pull request). */
  untrusted: boolean;
  /** A redrive's steps that succeeded before: not run again, their records stand. */
  carried?: ReadonlySet<string>;
  /** Aborts the execution (Ctrl-C, a cancel, a parent's abort); its reason becomes the cause. */
  signal: AbortSignal;
}

/** How an execution ended, in Step Functions' terms (DescribeExecution / status change events). */
export interface ExecutionEnd {
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  output: unknown;
  error?: string;
  cause?: string;
  /** What Step Functions would bill: a transition per state entered (branches included) and per retry. */
  transitions: number;
}

/** Wait between build retries: CodeBuild's 10 s start-up cadence means nothing on a laptop. */
export const LOCAL_BUILD_RETRY_MS = 1000;

function buildRetryIntervals(definition: AslMachine): Record<string, number> {
  const builds = [...taskStates(definition).values()].filter((s) => s.resource.endsWith(':codebuild:startBuild.sync'));
  return Object.fromEntries(builds.map((s) => [s.name, LOCAL_BUILD_RETRY_MS]));
}

/** Wraps each handler so the execution's end can wait for the task overrides still in flight. */
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

/** Starts the interpreter on the compiled definition with the local task overrides. */
function interpret(
  services: EngineServices,
  req: ExecutionRequest,
  signal: AbortSignal,
  inflight: Set<Promise<unknown>>,
) {
  const carried = req.carried ? { carried: req.carried } : {};
  const handlers = taskHandlers(
    req.definition,
    { runId: req.runId, steps: req.steps, untrusted: req.untrusted, signal, buildFailures: new Map(), ...carried },
    services,
  );
  // The compiler's output is checked against asl-validator by its own tests; validating again
  // here costs ~0.8 s per execution (schema compilation), which would dwarf a small run.
  const machine = new StateMachine(req.definition as unknown as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });
  const overrides = {
    taskResourceLocalHandlers: tracked(handlers, inflight),
    retryIntervalOverrides: buildRetryIntervals(req.definition),
  } as unknown as RunOptions['overrides'];
  return machine.run(
    req.input as never,
    { overrides, context: executionContext(req.executionArn, req.machineName) } as RunOptions,
  );
}

function causeOf(reason: unknown): string {
  return reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'cancelled';
}

/** Waits for the execution's end, aborting it on the request's signal. */
async function awaitEnd(
  execution: ReturnType<typeof interpret>,
  signal: AbortSignal,
): Promise<Omit<ExecutionEnd, 'transitions'>> {
  const onAbort = () => execution.abort();
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return { status: 'SUCCEEDED', output: await execution.result };
  } catch (error) {
    if (error instanceof ExecutionAbortedError)
      return { status: 'ABORTED', output: null, cause: causeOf(signal.reason) };
    const name = error instanceof Error && error.name !== 'Error' ? error.name : 'States.Runtime';
    return {
      status: 'FAILED',
      output: null,
      error: name,
      cause: error instanceof Error ? error.message : String(error),
    };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Counts the billed transitions from the interpreter's event log. */
async function countTransitions(
  events: AsyncGenerator<{ type: string }>,
  counter: { transitions: number },
): Promise<void> {
  for await (const event of events)
    if (event.type === 'StateEntered' || event.type === 'StateRetried') counter.transitions += 1;
}

/** Runs one execution to its end; never throws for the pipeline's own failure. */
export async function execute(services: EngineServices, req: ExecutionRequest): Promise<ExecutionEnd> {
  const tasks = new AbortController();
  // every running task listens on the execution's signal; hundreds in parallel are expected
  setMaxListeners(0, tasks.signal);
  const inflight = new Set<Promise<unknown>>();
  const billed = { transitions: 0 };
  let counted: Promise<void> = Promise.resolve();
  let end: Omit<ExecutionEnd, 'transitions'>;
  try {
    const execution = interpret(services, req, tasks.signal, inflight);
    counted = countTransitions(execution.eventLogs, billed).catch(() => undefined);
    end = await awaitEnd(execution, req.signal);
  } catch (error) {
    // a definition the engine cannot start (e.g. a resource it does not implement) still ends
    end = {
      status: 'FAILED',
      output: null,
      error: 'States.Runtime',
      cause: error instanceof Error ? error.message : String(error),
    };
  } finally {
    // stop what the interpreter abandoned (killed builds, waiting approvals) before the end is reported
    tasks.abort();
    await Promise.allSettled([...inflight]);
  }
  // the log ends with the execution; a stuck generator must not hold the run's end
  await Promise.race([counted, new Promise((done) => setTimeout(done, 1000).unref())]);
  return { ...end, transitions: billed.transitions };
}
