/**
 * The local `ExecutionStarter`: executions of registered definitions run on the embedded
 * interpreter in the background of this process; `stop` is a cancel (an abort here, a request on
 * the run item when another process runs it). Each execution's start and end are handed to
 * `onStatus` as Step Functions' "Execution Status Change" events, the AWS reporter's input.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ExecutionStarter, RunStore } from '../../src/core/ports.ts';
import type { ExecutionStatusDetail } from '../../src/core/report.ts';
import type { UntrustedPolicy } from '../build-runner/isolation.ts';
import type { RunnerPaths } from '../build-runner/runner.ts';
import { removeRunDir } from '../build-runner/workspace.ts';
import { parseContainerMode, type ContainerMode } from '../containers/engine.ts';
import { Launchers } from '../containers/launchers.ts';
import { execute, type ExecutionEnd } from './execution.ts';
import { changeWatch, unknownWrites, type StoreWrites } from '../store/changes.ts';
import { claimRun, HEARTBEAT_MS, pollOwnedRun, requestCancel, type Table } from './run-control.ts';
import type { ChildRequest, ChildResult, EngineServices } from './services.ts';
import type { LocalStateMachines } from './state-machines.ts';
import { TokenWaiters } from './token-waiters.ts';
import { BuildSlots } from './build-slots.ts';

export interface LocalExecutionsOptions {
  store: RunStore;
  dynamo: DynamoDBClient;
  tableName: string;
  paths: RunnerPaths;
  repoDir: string;
  machines: LocalStateMachines;
  /** Receives each execution's status changes (RUNNING, then its end), as EventBridge delivers them on AWS. */
  onStatus(detail: ExecutionStatusDetail): Promise<unknown>;
  hostEnv?: NodeJS.ProcessEnv;
  /** Untrusted steps (fork pull requests) with no sandbox usable: refused, or run anyway. @default 'sandbox' */
  untrustedPolicy?: UntrustedPolicy;
  /** Steps in containers: `SCI_CONTAINER` of `hostEnv` unless given (`auto`: the first engine that answers). */
  containers?: ContainerMode;
  /** Said once each: why steps run as local processes rather than in their images. */
  onNotice?(text: string): void;
  /** Where each step runs (`a local process`, `image node:22 (podman)`), when its build starts. */
  onLaunch?(runId: string, stepKey: string, where: string): void;
  onLine?(runId: string, stepKey: string, line: string): void;
  /** A top-level execution (not a `pipeline:` step's child) was started. */
  onStart?(runId: string): void;
  /** How often a running execution looks for a `sci cancel` from another process. @default 300 */
  cancelPollMs?: number;
  /** The writes this process answered while it serves the store: polls read only after one. @default unknown */
  storeWrites?: StoreWrites;
  /** How many builds run at once, over all these executions (`-j`). @default the core count */
  parallel?: number;
  /**
   * Top-level executions running at once; more wait for a slot (children never do: a parent holds
   * its slot while it waits for them). @default unlimited
   */
  maxRunning?: number;
}

/** A redrive of an ended run, already reopened in the store (see local-redrive.ts). */
export interface RedriveRequest {
  stateMachine: string;
  runId: string;
  input: unknown;
  /** The steps that succeeded before: not run again. */
  carried: string[];
  /** The transitions the run was billed before, to which this attempt's add. */
  priorTransitions: number;
}

/** How one execution is to run, beyond its machine and input. */
interface Launch {
  carried?: ReadonlySet<string>;
  priorTransitions?: number;
}

interface Running {
  abort: AbortController;
  ended: Promise<ExecutionEnd>;
}

/** The dispatcher's trust decision, as the execution input carries it (`run.builds`, a fork's `run.pr`). */
function isUntrustedInput(input: unknown): boolean {
  const run = (input as { run?: { pr?: { fork?: unknown }; builds?: { untrusted?: unknown } } }).run;
  return run?.pr?.fork === true || run?.builds?.untrusted === true;
}

/** `local:<runId>`, the execution id of a local run. */
export const localExecutionArn = (runId: string) => `local:${runId}`;
const runIdOfArn = (executionArn: string) => executionArn.replace(/^local:/, '');

export class LocalExecutions implements ExecutionStarter {
  private readonly services: EngineServices;
  private readonly table: Table;
  private readonly running = new Map<string, Running>();
  private readonly all = new Set<Promise<unknown>>();
  private readonly slots: Slots;

  constructor(private readonly options: LocalExecutionsOptions) {
    this.table = { dynamo: options.dynamo, tableName: options.tableName };
    this.slots = new Slots(options.maxRunning ?? Number.POSITIVE_INFINITY);
    const hostEnv = options.hostEnv ?? process.env;
    const mode = options.containers ?? parseContainerMode(hostEnv.SCI_CONTAINER) ?? 'auto';
    this.services = {
      store: options.store,
      dynamo: options.dynamo,
      tableName: options.tableName,
      paths: options.paths,
      repoDir: options.repoDir,
      hostEnv,
      untrustedPolicy: options.untrustedPolicy ?? 'sandbox',
      launchers: new Launchers(mode, hostEnv, options.onNotice),
      onLaunch: options.onLaunch ?? (() => undefined),
      tokens: new TokenWaiters(),
      now: () => new Date(),
      startChild: (request) => this.startChild(request),
      onLine: options.onLine ?? (() => undefined),
      buildSlots: new BuildSlots(options.parallel),
      storeWrites: options.storeWrites ?? unknownWrites,
    };
  }

  /** Starts the execution `name` (the run id) in the background; idempotent on `name` in this process. */
  async start(request: { stateMachine: string; name: string; input: unknown }): Promise<string> {
    const arn = localExecutionArn(request.name);
    if (this.running.has(request.name)) return arn;
    this.options.onStart?.(request.name);
    this.launch(request.stateMachine, request.name, request.input, new AbortController(), {}, this.slots);
    return arn;
  }

  /** Executes a reopened run again with its succeeded steps carried; resolves once it has begun. */
  redrive(request: RedriveRequest): void {
    if (this.running.has(request.runId)) throw new Error(`run ${request.runId} is executing in this process`);
    this.launch(request.stateMachine, request.runId, request.input, new AbortController(), {
      carried: new Set(request.carried),
      priorTransitions: request.priorTransitions,
    });
  }

  /** The end of an execution of this process, or undefined when `runId` is not executing here. */
  ended(runId: string): Promise<ExecutionEnd> | undefined {
    return this.running.get(runId)?.ended;
  }

  async stop(executionArn: string, cause: string): Promise<void> {
    const runId = runIdOfArn(executionArn);
    const here = this.running.get(runId);
    if (here) here.abort.abort(cause);
    else await requestCancel(this.table, runId, this.services.now().toISOString());
  }

  /** Cancels every execution of this process (Ctrl-C). */
  stopAll(cause: string): void {
    for (const { abort } of this.running.values()) abort.abort(cause);
  }

  /** Resolves once no execution of this process is running, including those started meanwhile (followers). */
  async settled(): Promise<void> {
    while (this.all.size > 0) await Promise.allSettled([...this.all]);
  }

  private launch(
    stateMachine: string,
    runId: string,
    input: unknown,
    abort: AbortController,
    how: Launch,
    slots?: Slots,
  ): Running {
    const go = () => this.run(stateMachine, runId, input, abort.signal, how);
    const ended = slots ? slots.with(go) : go();
    const running = { abort, ended };
    this.running.set(runId, running);
    const done = ended
      .then(
        () => undefined,
        (error: unknown) =>
          this.options.onNotice?.(
            `run ${runId}: its end was not recorded: ${error instanceof Error ? error.message : String(error)}`,
          ),
      )
      .finally(() => {
        this.running.delete(runId);
        this.all.delete(done);
      });
    this.all.add(done);
    return running;
  }

  /** Claims the run, runs the execution, reports its end and clears its work space. */
  private async run(
    stateMachine: string,
    runId: string,
    input: unknown,
    signal: AbortSignal,
    how: Launch,
  ): Promise<ExecutionEnd> {
    const executionArn = localExecutionArn(runId);
    const status = (end: { status: string; output?: unknown; error?: string; cause?: string; transitions?: number }) =>
      this.options.onStatus({
        executionArn,
        name: runId,
        status: end.status,
        input: JSON.stringify(input),
        // As Step Functions' event: the output of a SUCCEEDED execution only.
        ...(end.status === 'SUCCEEDED' ? { output: JSON.stringify(end.output) } : {}),
        ...(end.error ? { error: end.error } : {}),
        ...(end.cause ? { cause: end.cause } : {}),
        ...(end.transitions !== undefined ? { transitions: end.transitions } : {}),
      });
    const machine = await this.options.machines.lookup(stateMachine);
    let end: ExecutionEnd;
    const watcher = this.watchCancelRequests(runId, signal);
    try {
      if (!machine) {
        end = {
          status: 'FAILED',
          output: null,
          error: 'StepFunctions.StateMachineDoesNotExist',
          cause: `${stateMachine} is not registered`,
          transitions: 0,
        };
      } else {
        await claimRun(this.table, runId, process.pid, hostname(), this.services.now().toISOString());
        // Read before RUNNING is reported: the dispatcher records `running` itself right after it starts the
        // execution, and the reporter then finds the run moved on and writes nothing. Reported first, the two
        // raced on every local run (a failed write and its read back). Either order is correct; this one is cheaper.
        const steps = await this.options.store.listSteps(runId);
        await status({ status: 'RUNNING' });
        const untrusted = isUntrustedInput(input);
        const carried = how.carried ? { carried: how.carried } : {};
        const ran = await execute(this.services, {
          executionArn,
          runId,
          machineName: machine.name,
          definition: machine.definition,
          input,
          steps,
          untrusted,
          signal: watcher.signal,
          ...carried,
        });
        end = { ...ran, transitions: (how.priorTransitions ?? 0) + ran.transitions };
      }
      await status(end);
    } finally {
      watcher.stop();
      await removeRunDir(join(this.services.paths.work, runId));
    }
    return end;
  }

  /** A signal that also fires when another process (`sci cancel`) asks for a cancel. */
  private watchCancelRequests(runId: string, signal: AbortSignal) {
    const both = new AbortController();
    const forward = () => both.abort(signal.reason);
    signal.addEventListener('abort', forward, { once: true });
    if (signal.aborted) forward();
    // a cancel request is a write: serving the store, this process reads only after one, or when a heartbeat is due
    const changed = changeWatch(this.services.storeWrites);
    let heartbeatAt = Number.NEGATIVE_INFINITY;
    const timer = setInterval(() => {
      const now = this.services.now();
      if (!changed() && now.getTime() - heartbeatAt < HEARTBEAT_MS) return;
      // the poll also records the heartbeat that tells other hosts this run's engine is alive
      pollOwnedRun(this.table, runId, now).then(
        (polled) => {
          heartbeatAt = polled.heartbeatAt;
          if (polled.cancelRequested) both.abort('cancel requested');
        },
        () => undefined,
      );
    }, this.options.cancelPollMs ?? 300);
    const stop = () => {
      clearInterval(timer);
      signal.removeEventListener('abort', forward);
    };
    return { signal: both.signal, stop };
  }

  /** A `pipeline:` step: the callee runs as the child execution the compiled input names, and is awaited. */
  private async startChild(request: ChildRequest): Promise<ChildResult> {
    const given = request.input as { run?: { id?: unknown; pr?: { fork?: unknown } }; part?: unknown };
    const runId = given.run?.id;
    if (typeof runId !== 'string' || runId === '') throw new Error('a child execution input without run.id');
    if (typeof given.part === 'string') return this.runPart(request, runId, given.part);
    // a callee of an untrusted run is untrusted, whatever the caller's definition passes
    const input = request.untrusted ? { ...given, run: { ...given.run, pr: { ...given.run?.pr, fork: true } } } : given;
    const abort = new AbortController();
    const forward = () => abort.abort(request.signal.reason);
    request.signal.addEventListener('abort', forward, { once: true });
    if (request.signal.aborted) forward();
    try {
      const end = await (this.running.get(runId) ?? this.launch(request.stateMachine, runId, input, abort, {})).ended;
      const status = end.status === 'SUCCEEDED' ? 'succeeded' : end.status === 'ABORTED' ? 'cancelled' : 'failed';
      return { runId, status, output: end.output, ...(end.error ? { error: end.error } : {}) };
    } finally {
      request.signal.removeEventListener('abort', forward);
    }
  }

  /**
   * A part of a split pipeline (statemachines/compiler/split.ts) runs inside the run that starts it:
   * the same run id, steps and store, no run lifecycle of its own; on a redrive, the run's carried steps.
   */
  private async runPart(request: ChildRequest, runId: string, part: string): Promise<ChildResult> {
    const machine = await this.options.machines.lookup(request.stateMachine);
    if (!machine) throw new Error(`${request.stateMachine} is not registered`);
    const steps = await this.options.store.listSteps(runId);
    const end = await execute(this.services, {
      executionArn: `${localExecutionArn(runId)}:${part}`,
      runId,
      machineName: machine.name,
      definition: machine.definition,
      input: request.input,
      steps,
      untrusted: request.untrusted,
      signal: request.signal,
      ...(request.carried ? { carried: request.carried } : {}),
    });
    const status = end.status === 'SUCCEEDED' ? 'succeeded' : end.status === 'ABORTED' ? 'cancelled' : 'failed';
    return {
      runId,
      status,
      output: end.output,
      ...(end.error ? { error: `${end.error}${end.cause ? `: ${end.cause}` : ''}` } : {}),
    };
  }
}

/** At most `size` tasks at once, the rest in arrival order. */
class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async with<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}
