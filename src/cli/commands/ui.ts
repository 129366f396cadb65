/** `sci ui [--repo DIR] [--port P]`: the dashboard alone (no webhook) over the local run store. */
import { LocalRedriver } from '../../../local/engine/local-redrive.ts';
import { LocalReleaser } from '../../../local/engine/local-release.ts';
import { readGitFacts } from '../../../local/git-facts.ts';
import { repositoryRoot } from '../../../local/home.ts';
import { localRuntime } from '../../../local/runtime.ts';
import { openSession } from '../../../local/session.ts';
import { LoggedStatuses } from '../../../local/status-log.ts';
import { GitSource } from '../../source/git-source.ts';
import { localDashboard } from '../../dashboard/local-dashboard.ts';
import { createServeServer } from '../../serve/http.ts';
import { portOption, serveUntilSignal } from '../../serve/until-signal.ts';
import { parseCommandArgs } from '../args.ts';
import { CliUsageError } from '../errors.ts';
import { cliPrices } from '../output/run-view.ts';

export const help = `usage: sci ui [--repo DIR] [--port P]

Serves the dashboard on 127.0.0.1: pipelines grouped by their .sci/ folders, each pipeline's runs,
a run's graph with live statuses, step logs, approve / reject / cancel / redrive, and the environments with promote and rollback
(redrives and re-releases run in this process). No webhook (see sci serve).

options:
  --repo DIR   the repository whose runs to show (default: the current directory)
  --port P     the port to listen on (default: 8080; 0 picks a free one)
  -h, --help   show this help

environment: SCI_HOME (the state home), SCI_ACTOR (who actions are recorded as),
SCI_COST_REGION (the prices of the run page's cost, default us-east-1)
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { repo: { type: 'string' }, port: { type: 'string' } });
  const port = portOption(values.port, 8080);
  if (port === undefined) throw new CliUsageError(`--port must be a port number, got '${values.port}'`);
  const repoDir = repositoryRoot(values.repo);
  // outside a git repository the runs are still shown; only a redrive needs the pipeline files
  const git = await readGitFacts(repoDir).catch(() => undefined);
  const session = await openSession(repoDir);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  // redrives and re-releases from the page execute in this process; stopping the server cancels them
  const runtime =
    git &&
    localRuntime({
      session,
      repoDir,
      repoUrl: git.repoUrl,
      source: new GitSource(repoDir),
      statuses: new LoggedStatuses((line) => log(`sci ui: ${line}`)),
      runUrl: (id) => `sci show ${id}`,
      onNotice: (text) => log(`sci ui: ${text}`),
    });
  const redriver =
    runtime &&
    new LocalRedriver({
      store: session.store,
      table: session.table,
      executions: runtime.executions,
      machines: runtime.machines,
      source: new GitSource(repoDir),
      repoUrl: git.repoUrl,
    });
  const releaser =
    runtime &&
    new LocalReleaser({
      dispatch: runtime.dispatch,
      source: new GitSource(repoDir),
      repo: git.repo,
      repoUrl: git.repoUrl,
      actor: process.env.SCI_ACTOR ?? git.actor,
    });
  try {
    const dashboard = localDashboard(session, {
      prices: cliPrices(),
      ...(redriver ? { redriver } : {}),
      ...(releaser ? { releaser } : {}),
    });
    await serveUntilSignal(
      createServeServer({ dashboard }),
      port,
      (url) => `sci ui: ${url} (runs of ${session.home})`,
      log,
    );
  } finally {
    runtime?.executions.stopAll('sci ui stopped');
    await runtime?.executions.settled();
    await session.close();
  }
  return 0;
}
