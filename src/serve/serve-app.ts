/**
 * Wires `sci serve`: the Lambdas' path with local adapters. The ingress is the webhook Lambda's
 * (delivery records in memory, then in the local store: deliveries.ts), an in-process queue
 * stands in for SQS, and each delivery goes through the dispatcher Lambda's `dispatchDelivery`
 * over the local clone and the local runtime (local/runtime.ts), whose executions report to the
 * reporter Lambda's use case.
 */
import { join } from 'node:path';
import type { UntrustedPolicy } from '../../local/build-runner/isolation.ts';
import type { LocalSession } from '../../local/session.ts';
import type { ContainerMode } from '../../local/containers/engine.ts';
import { readGitFacts } from '../../local/git-facts.ts';
import { localRuntime, type CoreCalls } from '../../local/runtime.ts';
import { reapAbandoned } from '../../local/engine/recovery.ts';
import { LoggedStatuses } from '../../local/status-log.ts';
import { resumeQueues } from '../core/concurrency.ts';
import type { PipelineSource } from '../core/ports.ts';
import { dispatchDelivery, type DeliveryDeps, type DeliveryOutcome } from '../github/dispatch-delivery.ts';
import { receiveDelivery, type IngressDeps } from '../github/ingress.ts';
import { GitRepository } from '../source/git-source.ts';
import { commitChecker, commitOf } from './commits.ts';
import { localDashboard } from '../dashboard/local-dashboard.ts';
import { LocalRedriver } from '../../local/engine/local-redrive.ts';
import { LocalReleaser } from '../../local/engine/local-release.ts';
import { firstTime, RecentDeliveries } from './deliveries.ts';
import type { ServeHandlers } from './http.ts';
import { WorkQueue } from './local-queue.ts';
import { DeliverySpool, type Spooled } from './spool.ts';

export interface ServeOptions {
  repoDir: string;
  secret: string;
  session: LocalSession;
  source: PipelineSource;
  log: (line: string) => void;
  /** Untrusted steps with no sandbox usable: refused, or run anyway (`--allow-untrusted`). @default 'sandbox' */
  untrustedPolicy?: UntrustedPolicy;
  /** Runs executing at once (more wait their turn, `running` in the store). @default 4 */
  concurrency?: number;
  /** Steps running at once, over all runs (`-j`). @default the core count */
  parallel?: number;
  /** Steps in containers (`--no-containers`: `none`). @default SCI_CONTAINER, else the first engine that answers */
  containers?: ContainerMode;
  /**
   * How often crash recovery runs while serving: a run whose `sci run` was killed is ended as
   * abandoned, and a run its group was handed to starts. @default 5000
   */
  recoverEveryMs?: number;
  /** The core use cases the app calls (a test counts the calls). @default the real ones */
  core?: Partial<CoreCalls & { dispatchDelivery: typeof dispatchDelivery }>;
}

/** What `sci serve` holds: the HTTP handlers, the delivery queue and the runs it started. */
export interface ServeApp {
  handlers: Required<ServeHandlers>;
  repo: string | undefined;
  /** Resolves when every accepted delivery is dispatched and every run it started (followers too) has ended. */
  drained(): Promise<void>;
  /** Deliveries answered 202 and not dispatched yet (kept on disk in `spool`). */
  undispatched(): number;
  /** Where those deliveries wait: the next `sci serve` dispatches what a stopped one left there. */
  spool: string;
  /** Stops crash recovery and ends the helper git process (it ends by itself when this process exits). */
  close(): void;
}

function describe(outcome: DeliveryOutcome): string {
  if (!outcome.ok)
    return outcome.error.kind === 'invalid'
      ? `pipelines invalid; nothing runs: ${outcome.error.problems.map((p) => p.message).join('; ')}`
      : `rejected: ${outcome.error.message}`;
  if (outcome.value.ignored) return `ignored (${outcome.value.ignored})`;
  return `started ${outcome.value.runs.map((r) => `${r.pipeline} (run ${r.runId})`).join(', ') || 'no pipeline'}`;
}

export async function createServeApp(o: ServeOptions): Promise<ServeApp> {
  const git = await readGitFacts(o.repoDir);
  // Without an origin remote there is no identity to compare with: any repository is this one.
  const repo = git.repoUrl.startsWith('file://') ? undefined : git.repo;
  const failed = (what: string) => (_: unknown, error: unknown) =>
    o.log(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  const runtime = localRuntime({
    session: o.session,
    repoDir: o.repoDir,
    repoUrl: git.repoUrl,
    source: o.source,
    statuses: new LoggedStatuses(o.log),
    runUrl: (runId) => `sci show ${runId}`,
    maxRunning: o.concurrency ?? 4,
    ...(o.parallel ? { parallel: o.parallel } : {}),
    onNotice: o.log,
    ...(o.containers ? { containers: o.containers } : {}),
    ...(o.untrustedPolicy ? { untrustedPolicy: o.untrustedPolicy } : {}),
    ...(o.core ? { core: o.core } : {}),
  });
  // runs that waited in a concurrency queue when the last `sci serve` stopped start now, if their turn came;
  // later, a `sci run` holding a group may be killed while this serves: nothing else would start the next run
  const resume = async () => {
    for (const runId of await resumeQueues(runtime.report))
      o.log(`run ${runId} started: its concurrency group had nothing in progress`);
  };
  await resume();
  let recovering = false;
  let closed = false;
  const recovery = setInterval(() => {
    if (recovering) return;
    recovering = true;
    reapAbandoned(o.session.store, o.session.table, o.session.home)
      .then(resume)
      // a recovery the store's closing interrupted is no failure
      .catch((error: unknown) => closed || failed('crash recovery')(undefined, error))
      .finally(() => {
        recovering = false;
      });
  }, o.recoverEveryMs ?? 5000);
  recovery.unref();
  const deliveryDeps: DeliveryDeps = { ...runtime.dispatch, repos: new GitRepository(o.repoDir, o.source) };
  const handle = o.core?.dispatchDelivery ?? dispatchDelivery;
  const spool = new DeliverySpool(join(o.session.home, 'deliveries'));
  // One dispatcher at a time, as a FIFO queue would: dispatching is short, and runs go on in the background.
  const deliveries = new WorkQueue<{ spooled: Spooled; left: boolean }>(
    async ({ spooled, left }) => {
      const d = spooled.delivery;
      try {
        // one a stopped sci serve left may be recorded, even half dispatched: dispatching it again completes it
        if ((await firstTime(o.session.store, d)) || left)
          o.log(`${d.deliveryId}: ${describe(await handle(deliveryDeps, d))}`);
        else o.log(`${d.deliveryId}: already handled before a restart; nothing runs`);
      } finally {
        // a dispatch that failed is logged (below), not retried at every start
        await spool.remove(spooled);
      }
    },
    1,
    failed('delivery'),
  );
  const left = await spool.left();
  for (const file of left.unreadable) o.log(`${file}: not a delivery; set aside`);
  if (left.spooled.length > 0)
    o.log(`${left.spooled.length} deliveries accepted before sci serve stopped, not dispatched: dispatching them now`);
  for (const spooled of left.spooled) deliveries.push({ spooled, left: true });
  const commits = commitChecker(o.repoDir);
  const deps: IngressDeps = {
    secret: async () => o.secret,
    store: new RecentDeliveries(),
    // on disk before the 202: an accepted delivery outlives this process
    queue: { enqueue: async (d) => deliveries.push({ spooled: await spool.put(d), left: false }) },
    trust: { repos: repo ? [repo] : 'any', senders: [] },
    clock: { now: () => new Date() },
    admit: async (payload, event) => {
      const sha = commitOf(payload, event);
      if (sha && !(await commits.has(sha)))
        return `commit ${sha} is not in ${o.repoDir}: fetch it first (git fetch), then redeliver`;
      return undefined;
    },
  };
  return {
    repo,
    close: () => {
      closed = true;
      clearInterval(recovery);
      commits.close();
    },
    undispatched: () => deliveries.size,
    spool: spool.dir,
    drained: async () => {
      await deliveries.drained();
      await runtime.executions.settled();
    },
    handlers: {
      webhook: (request) => receiveDelivery(deps, request),
      // the page's Redrive, Promote and Rollback run here, on this runtime, as deliveries' runs do
      dashboard: localDashboard(o.session, {
        statuses: runtime.report.statuses,
        queue: runtime.report,
        redriver: new LocalRedriver({
          store: o.session.store,
          table: o.session.table,
          executions: runtime.executions,
          machines: runtime.machines,
          source: o.source,
          repoUrl: git.repoUrl,
        }),
        releaser: new LocalReleaser({
          dispatch: runtime.dispatch,
          source: o.source,
          repo: git.repo,
          repoUrl: git.repoUrl,
          actor: process.env.SCI_ACTOR ?? git.actor,
        }),
      }),
    },
  };
}
