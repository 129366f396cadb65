/**
 * Wires `sci serve`: the Lambda's ingress with local adapters — delivery records in memory and
 * then in the local store (deliveries.ts), an in-process queue, pipeline files from the clone at
 * the delivered commit, and the embedded engine for executions (which records runs in the store).
 */
import type { UntrustedPolicy } from '../../local/build-runner/isolation.ts';
import type { LocalSession } from '../../local/session.ts';
import { compileProgram } from '../../statemachines/compiler/program.ts';
import { formatDiagnostic } from '../../statemachines/diagnostics.ts';
import type { ContainerMode } from '../../local/containers/engine.ts';
import { LocalEngine } from '../../local/engine/engine.ts';
import type { ExecutablePipeline } from '../../local/engine/execution.ts';
import { readGitFacts } from '../../local/git-facts.ts';
import type { PipelineSource, QueuedDelivery } from '../core/ports.ts';
import { receiveDelivery, type IngressDeps } from '../github/ingress.ts';
import { commitChecker, commitOf } from './commits.ts';
import { localDashboard } from '../dashboard/local-dashboard.ts';
import { firstTime, memoizedSource, RecentDeliveries } from './deliveries.ts';
import type { ServeHandlers } from './http.ts';
import { BuildSlots } from '../../local/engine/build-slots.ts';
import { dispatchLocally } from './local-dispatch.ts';
import { WorkQueue } from './local-queue.ts';
import type { Pipeline } from '../../statemachines/pipeline/model.ts';
import type { InputValues, RunFacts } from '../core/run-facts.ts';

export interface ServeOptions {
  repoDir: string;
  secret: string;
  session: LocalSession;
  source: PipelineSource;
  log: (line: string) => void;
  /** Untrusted steps with no sandbox usable: refused, or run anyway (`--allow-untrusted`). @default 'sandbox' */
  untrustedPolicy?: UntrustedPolicy;
  /** Runs executing at once. @default 4 */
  concurrency?: number;
  /** Steps running at once, over all runs (`-j`). @default the core count */
  parallel?: number;
  /** Steps in containers (`--no-containers`: `none`). @default SCI_CONTAINER, else the first engine that answers */
  containers?: ContainerMode;
}

type Execution = { all: Pipeline[]; pipeline: Pipeline; facts: RunFacts & { inputs: InputValues } };

async function execute(o: ServeOptions, buildSlots: BuildSlots, { all, pipeline, facts }: Execution): Promise<void> {
  const compiled = compileProgram(all, [pipeline], { tableName: o.session.table.tableName });
  if (!compiled.ok) {
    o.log(`${pipeline.id} not run: ${compiled.diagnostics.map((d) => formatDiagnostic(d)).join('; ')}`);
    return;
  }
  const program = compiled.value;
  const engine = new LocalEngine({ store: o.session.store, dynamo: o.session.dynamo, tableName: o.session.table.tableName, paths: o.session.paths, repoDir: o.repoDir, pipelines: program, buildSlots, untrustedPolicy: o.untrustedPolicy ?? 'sandbox', ...(o.containers ? { containers: o.containers } : {}), onNotice: o.log });
  const outcome = await engine.run({ pipeline: program.get(pipeline.id) as ExecutablePipeline, facts });
  o.log(`run ${outcome.runId} (${pipeline.id}) ${outcome.status}`);
}

/** What `sci serve` holds: the HTTP handlers and the two queues (deliveries, then executions). */
export interface ServeApp {
  handlers: Required<ServeHandlers>;
  repo: string | undefined;
  /** Resolves when every accepted delivery is dispatched and every run it started has ended. */
  drained(): Promise<void>;
  /** Ends the helper git process (it ends by itself when this process exits). */
  close(): void;
}

export async function createServeApp(o: ServeOptions): Promise<ServeApp> {
  const git = await readGitFacts(o.repoDir);
  // Without an origin remote there is no identity to compare with: any repository is this one.
  const repo = git.repoUrl.startsWith('file://') ? undefined : git.repo;
  const failed = (what: string) => (_: unknown, error: unknown) => o.log(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  // one bound on the steps of every run the server executes
  const buildSlots = new BuildSlots(o.parallel);
  const executions = new WorkQueue<Execution>((x) => execute(o, buildSlots, x), o.concurrency ?? 4, failed('run'));
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
  const commits = commitChecker(o.repoDir);
  const deps: IngressDeps = {
    secret: async () => o.secret,
    store: new RecentDeliveries(),
    queue: { enqueue: async (d) => deliveries.push(d) },
    trust: { repos: repo ? [repo] : 'any', senders: [] },
    clock: { now: () => new Date() },
    admit: async (payload, event) => {
      const sha = commitOf(payload, event);
      if (sha && !(await commits.has(sha))) return `commit ${sha} is not in ${o.repoDir}: fetch it first (git fetch), then redeliver`;
      return undefined;
    },
  };
  return {
    repo,
    close: () => commits.close(),
    drained: async () => {
      await deliveries.drained();
      await executions.drained();
    },
    handlers: {
      webhook: (request) => receiveDelivery(deps, request),
      dashboard: localDashboard(o.session),
    },
  };
}
