/** The dashboard over a local session: the local store, the runner's log files, and the local control adapters. */
import { userInfo } from 'node:os';
import type { LocalSession } from '../../local/session.ts';
import { localControlDeps } from '../../local/engine/local-control.ts';
import { cancel, decide, NotRedrivableError, redrive } from '../core/control.ts';
import type { QueueDeps } from '../core/concurrency.ts';
import type { ExecutionRedriver, StatusReporter } from '../core/ports.ts';
import { LoggedStatuses } from '../../local/status-log.ts';
import type { PriceTable } from '../core/cost.ts';
import type { LocalReleaser } from '../../local/engine/local-release.ts';
import { environmentTable } from '../store/environments.ts';
import { localEnvironments } from './local-environments.ts';
import { LocalStepLogs } from './local-logs.ts';
import { dashboardRoutes } from './routes.ts';

/** What a dashboard without a redriver answers (it cannot execute runs). */
const NO_REDRIVER: ExecutionRedriver = {
  redrive: async () => {
    throw new NotRedrivableError('this dashboard does not execute runs: use sci redrive RUN');
  },
};

export function localDashboard(
  session: LocalSession,
  options: {
    pollMs?: number;
    prices?: PriceTable;
    redriver?: ExecutionRedriver;
    releaser?: LocalReleaser;
    /** Where a run cancelled before it started reports its end. @default a line on stdout */
    statuses?: StatusReporter;
    /** The runtime that starts the next run of a concurrency group a cancel freed (sci serve, sci ui in a repository). */
    queue?: QueueDeps;
  } = {},
) {
  const deps = localControlDeps({
    store: session.store,
    table: session.table,
    statuses: options.statuses ?? new LoggedStatuses((line) => process.stdout.write(`${line}\n`)),
    ...(options.queue ? { queue: options.queue } : {}),
  });
  return dashboardRoutes({
    store: session.store,
    logs: new LocalStepLogs(session.home),
    actions: {
      decide: (runId, stepKey, verb, by) => decide(deps, runId, stepKey, verb, by),
      cancel: (runId, by) => cancel(deps, runId, by),
      redrive: (runId) => redrive({ store: session.store, redriver: options.redriver ?? NO_REDRIVER }, runId),
    },
    environments: localEnvironments(environmentTable(session.dynamo, session.table.tableName), options.releaser),
    title: 'local',
    actor: process.env.SCI_ACTOR ?? userInfo().username,
    ...(options.pollMs ? { pollMs: options.pollMs } : {}),
    ...(options.prices ? { prices: options.prices } : {}),
  });
}
