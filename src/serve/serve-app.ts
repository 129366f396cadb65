/**
 * Wires `sci serve`: the Lambda's ingress with local adapters — delivery records in memory and
 * then in the local store (deliveries.ts), an in-process queue, pipeline files from the clone at
 * the delivered commit, and the embedded engine for executions (which records runs in the store).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { LocalSession } from '../../local/session.ts';
import { compileProgram } from '../../local/program.ts';
import { LocalEngine } from '../../local/engine/engine.ts';
import type { ExecutablePipeline } from '../../local/engine/execution.ts';
import { readGitFacts } from '../../local/git-facts.ts';
import type { PipelineSource, QueuedDelivery } from '../core/ports.ts';
import { receiveDelivery, type IngressDeps } from '../github/ingress.ts';
import { dashboardPage } from './dashboard.ts';
import { firstTime, memoizedSource, RecentDeliveries } from './deliveries.ts';
import type { ServeHandlers } from './http.ts';
import { dispatchLocally } from './local-dispatch.ts';
import { WorkQueue } from './local-queue.ts';
import type { Pipeline } from '../../statemachines/pipeline/model.ts';
import type { InputValues, RunFacts } from '../core/run-facts.ts';

const exec = promisify(execFile);

export interface ServeOptions {
  repoDir: string;
  secret: string;
  session: LocalSession;
  source: PipelineSource;
  log: (line: string) => void;
  /** Runs executing at once. @default 4 */
  concurrency?: number;
}

async function hasCommit(repoDir: string, sha: string): Promise<boolean> {
  return exec('git', ['-C', repoDir, 'cat-file', '-e', `${sha}^{commit}`]).then(() => true, () => false);
}

/** The commit a delivery is about (push `after`, pull request head), if any. */
function commitOf(payload: Record<string, unknown>, event: string): string | undefined {
  const sha = event === 'push' ? payload.after : (payload.pull_request as { head?: { sha?: unknown } } | undefined)?.head?.sha;
  return typeof sha === 'string' && !/^0+$/.test(sha) ? sha : undefined;
}

type Execution = { all: Pipeline[]; pipeline: Pipeline; facts: RunFacts & { inputs: InputValues } };

async function execute(o: ServeOptions, { all, pipeline, facts }: Execution): Promise<void> {
  const program = compileProgram(all, [pipeline], { tableName: o.session.table.tableName });
  const engine = new LocalEngine({ store: o.session.store, dynamo: o.session.dynamo, tableName: o.session.table.tableName, paths: o.session.paths, repoDir: o.repoDir, pipelines: program });
  const outcome = await engine.run({ pipeline: program.get(pipeline.id) as ExecutablePipeline, facts });
  o.log(`run ${outcome.runId} (${pipeline.id}) ${outcome.status}`);
}

/** What `sci serve` holds: the HTTP handlers and the two queues (deliveries, then executions). */
export interface ServeApp {
  handlers: ServeHandlers;
  repo: string | undefined;
  /** Resolves when every accepted delivery is dispatched and every run it started has ended. */
  drained(): Promise<void>;
}

export async function createServeApp(o: ServeOptions): Promise<ServeApp> {
  const git = await readGitFacts(o.repoDir);
  // Without an origin remote there is no identity to compare with: any repository is this one.
  const repo = git.repoUrl.startsWith('file://') ? undefined : git.repo;
  const failed = (what: string) => (_: unknown, error: unknown) => o.log(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  const executions = new WorkQueue<Execution>((x) => execute(o, x), o.concurrency ?? 4, failed('run'));
  const local = { source: memoizedSource(o.source), execute: (all: Pipeline[], pipeline: Pipeline, facts: Execution['facts']) => executions.push({ all, pipeline, facts }), log: o.log };
  // One dispatcher at a time: dispatching is short, and HTTP answers keep the CPU during a burst.
  const deliveries = new WorkQueue<QueuedDelivery>(
    async (d) => {
      if (await firstTime(o.session.store, d)) await dispatchLocally(local, d);
      else o.log(`${d.deliveryId}: already handled before a restart; nothing runs`);
    },
    1,
    failed('delivery'),
  );
  const deps: IngressDeps = {
    secret: async () => o.secret,
    store: new RecentDeliveries(),
    queue: { enqueue: async (d) => deliveries.push(d) },
    trust: { repos: repo ? [repo] : 'any', senders: [] },
    clock: { now: () => new Date() },
    admit: async (payload, event) => {
      const sha = commitOf(payload, event);
      if (sha && !(await hasCommit(o.repoDir, sha))) return `commit ${sha} is not in ${o.repoDir}: fetch it first (git fetch), then redeliver`;
      return undefined;
    },
  };
  return {
    repo,
    drained: async () => {
      await deliveries.drained();
      await executions.drained();
    },
    handlers: {
      webhook: (request) => receiveDelivery(deps, request),
      page: async () => dashboardPage(await o.session.store.listRuns({ limit: 100 })),
    },
  };
}
