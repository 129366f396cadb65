/**
 * The embedded engine: runs compiled pipelines on aws-local-stepfunctions with the local task
 * executors, child executions for `pipeline:` steps, and cross-process cancel requests.
 */
import { BuildSlots } from './build-slots.ts';
import { hostname } from 'node:os';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RunStore } from '../../src/core/ports.ts';
import type { RunnerPaths } from '../build-runner/runner.ts';
import type { UntrustedPolicy } from '../build-runner/isolation.ts';
import { parseContainerMode, type ContainerMode } from '../containers/engine.ts';
import { Launchers } from '../containers/launchers.ts';
import { executeRun, type ExecutablePipeline, type ExecutionHooks, type ExecutionOutcome, type ExecutionRequest, type RunFacts } from './execution.ts';
import { claimRun, pollOwnedRun, type Table } from './run-control.ts';
import type { ChildRequest, ChildResult, EngineServices } from './services.ts';
import { TokenWaiters } from './token-waiters.ts';

export interface EngineOptions {
  store: RunStore;
  dynamo: DynamoDBClient;
  tableName: string;
  paths: RunnerPaths;
  repoDir: string;
  /** Every pipeline of the repository a run may call, by id. */
  pipelines: Map<string, ExecutablePipeline>;
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
  /** How often a running execution looks for `sci cancel`. @default 300 */
  cancelPollMs?: number;
  /** How many builds run at once, over all this engine's runs (`-j`). @default the core count */
  parallel?: number;
  /** Slots shared with other engines (`sci serve` makes one engine per run); takes the place of `parallel`. */
  buildSlots?: BuildSlots;
}

export class LocalEngine {
  private readonly services: EngineServices;
  private readonly hooks: ExecutionHooks;
  private readonly facts = new Map<string, RunFacts>();

  constructor(private readonly options: EngineOptions) {
    const table: Table = { dynamo: options.dynamo, tableName: options.tableName };
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
      buildSlots: options.buildSlots ?? new BuildSlots(options.parallel),
    };
    this.hooks = {
      claim: (runId) => claimRun(table, runId, process.pid, hostname(), new Date().toISOString()),
      // the poll also records the heartbeat that tells other hosts this run's engine is alive
      cancelRequested: (runId) => pollOwnedRun(table, runId, new Date()),
      pollMs: options.cancelPollMs ?? 300,
    };
  }

  /** Runs one pipeline to its end. */
  async run(request: ExecutionRequest): Promise<ExecutionOutcome> {
    const onCreated = request.onCreated;
    return executeRun(this.services, this.hooks, {
      ...request,
      onCreated: (runId) => {
        this.facts.set(runId, request.facts);
        onCreated?.(runId);
      },
    });
  }

  private async startChild(request: ChildRequest): Promise<ChildResult> {
    const calleeId = request.stateMachine.replace(/^local:/, '');
    const pipeline = this.options.pipelines.get(calleeId);
    if (!pipeline) throw new Error(`pipeline ${calleeId} is not in this repository`);
    const given = (request.input as { run?: Partial<RunFacts> & { id?: unknown } }).run ?? {};
    const parent = this.facts.get(request.parentRunId);
    if (!parent) throw new Error(`run ${request.parentRunId} is not executing in this process`);
    // the compiler passes the callee's facts (inputs above all); anything it leaves out is the parent's
    const picked: RunFacts = { ...parent, ...pick(given), event: given.event ?? 'pipeline' };
    // a callee of an untrusted run is untrusted, whatever the caller's definition passes
    const facts: RunFacts = { ...picked, pr: { ...picked.pr, fork: picked.pr.fork || parent.pr.fork } };
    const outcome = await this.run({
      pipeline,
      facts,
      parentRunId: request.parentRunId,
      signal: request.signal,
      ...(typeof given.id === 'string' && given.id ? { runId: given.id } : {}),
    });
    return { runId: outcome.runId, status: outcome.status, output: outcome.output, ...(outcome.error ? { error: outcome.error } : {}) };
  }
}

const FACT_KEYS = ['repo', 'repoUrl', 'sha', 'ref', 'branch', 'tag', 'event', 'actor', 'pr', 'inputs'] as const;

function pick(given: Partial<RunFacts>): Partial<RunFacts> {
  return Object.fromEntries(FACT_KEYS.filter((k) => given[k] !== undefined).map((k) => [k, given[k]])) as Partial<RunFacts>;
}
