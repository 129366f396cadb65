/**
 * Wires `sci serve`: the Lambda's ingress with local adapters — the local store for delivery
 * records and runs, an in-process queue, pipeline files from the clone at the delivered commit,
 * and the embedded engine for executions.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { LocalSession } from '../../local/session.ts';
import { compileProgram } from '../../local/program.ts';
import { LocalEngine } from '../../local/engine/engine.ts';
import type { ExecutablePipeline } from '../../local/engine/execution.ts';
import { readGitFacts } from '../../local/git-facts.ts';
import type { PipelineSource } from '../core/ports.ts';
import { receiveDelivery, type IngressDeps } from '../github/ingress.ts';
import { dashboardPage } from './dashboard.ts';
import type { ServeHandlers } from './http.ts';
import { dispatchLocally, type LocalExecutor } from './local-dispatch.ts';
import { LocalDeliveryQueue } from './local-queue.ts';

const exec = promisify(execFile);

export interface ServeOptions {
  repoDir: string;
  secret: string;
  session: LocalSession;
  source: PipelineSource;
  log: (line: string) => void;
  /** Deliveries handled at once. @default 2 */
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

function engineExecutor(o: ServeOptions): LocalExecutor {
  return async (all, pipeline, facts) => {
    const program = compileProgram(all, [pipeline], { tableName: o.session.table.tableName });
    const engine = new LocalEngine({ store: o.session.store, dynamo: o.session.dynamo, tableName: o.session.table.tableName, paths: o.session.paths, repoDir: o.repoDir, pipelines: program });
    const outcome = await engine.run({ pipeline: program.get(pipeline.id) as ExecutablePipeline, facts });
    o.log(`run ${outcome.runId} (${pipeline.id}) ${outcome.status}`);
  };
}

export async function createServeApp(o: ServeOptions): Promise<{ handlers: ServeHandlers; queue: LocalDeliveryQueue; repo: string | undefined }> {
  const git = await readGitFacts(o.repoDir);
  // Without an origin remote there is no identity to compare with: any repository is this one.
  const repo = git.repoUrl.startsWith('file://') ? undefined : git.repo;
  const queue = new LocalDeliveryQueue((d) => dispatchLocally({ source: o.source, execute: engineExecutor(o), log: o.log }, d), o.concurrency ?? 2, (d, error) =>
    o.log(`${d.deliveryId}: failed: ${error instanceof Error ? error.message : String(error)}`),
  );
  const deps: IngressDeps = {
    secret: async () => o.secret,
    store: o.session.store,
    queue,
    trust: { repos: repo ? [repo] : 'any', senders: [] },
    clock: { now: () => new Date() },
    admit: async (payload, event) => {
      const sha = commitOf(payload, event);
      if (sha && !(await hasCommit(o.repoDir, sha))) return `commit ${sha} is not in ${o.repoDir}: fetch it first (git fetch), then redeliver`;
      return undefined;
    },
  };
  return {
    queue,
    repo,
    handlers: {
      webhook: (request) => receiveDelivery(deps, request),
      page: async () => dashboardPage(await o.session.store.listRuns({ limit: 100 })),
    },
  };
}
