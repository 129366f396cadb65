/**
 * `sci ui [--repo DIR] [--port P]`: the dashboard alone (no webhook) over the local run store;
 * `sci ui --stack NAME [--region R] [--profile P]`: the same dashboard over a deployed stack.
 */
import { LocalRedriver } from '../../../local/engine/local-redrive.ts';
import { LocalReleaser } from '../../../local/engine/local-release.ts';
import { readGitFacts } from '../../../local/git-facts.ts';
import { repositoryRoot } from '../../../local/home.ts';
import { localRuntime } from '../../../local/runtime.ts';
import { openSession } from '../../../local/session.ts';
import { LoggedStatuses } from '../../../local/status-log.ts';
import { GitSource } from '../../source/git-source.ts';
import { localDashboard } from '../../dashboard/local-dashboard.ts';
import { stackDashboard } from '../../dashboard/stack-dashboard.ts';
import { pricesFor } from '../../core/cost.ts';
import { createServeServer } from '../../serve/http.ts';
import { portOption, serveUntilSignal } from '../../serve/until-signal.ts';
import { parseCommandArgs } from '../args.ts';
import { CliUsageError } from '../errors.ts';
import { cliPrices } from '../output/run-view.ts';

export const help = `usage: sci ui [--repo DIR] [--port P]
       sci ui --stack NAME [--region REGION] [--profile PROFILE] [--port P]

Serves the dashboard on 127.0.0.1: pipelines grouped by their .sci/ folders, each pipeline's runs,
a run's graph with live statuses, step logs, approve / reject / cancel / redrive, and the environments with promote and rollback
(redrives and re-releases run in this process). No webhook (see sci serve).

With --stack, the same dashboard runs on your machine against a deployed stack, with your AWS
credentials (the default chain, or --profile, as the AWS CLI): runs from its DynamoDB table, build
logs from CloudWatch Logs, actions through its API (signed here; the browser never sees a
credential). Nothing is hosted. Your identity needs cloudformation:DescribeStacks on the stack,
dynamodb:GetItem and dynamodb:Query on its table, codebuild:BatchGetBuilds, logs:GetLogEvents,
and, for actions, lambda:InvokeFunctionUrl and lambda:InvokeFunction on its api function.

options:
  --repo DIR          the repository whose runs to show (default: the current directory)
  --stack NAME        a deployed stack (the one cdk deployed, e.g. ServerlessCi) instead of local runs
  --region REGION     the stack's region (default: AWS_REGION, else the profile's region)
  --profile PROFILE   the AWS profile to use (default: AWS_PROFILE, else the default chain)
  --port P            the port to listen on (default: 8080; 0 picks a free one)
  -h, --help          show this help

environment: SCI_HOME (the state home), SCI_ACTOR (who local actions are recorded as; on a stack,
the API records your IAM identity), SCI_COST_REGION (the prices of the run page's cost; default
us-east-1, with --stack the stack's region)
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    repo: { type: 'string' },
    port: { type: 'string' },
    stack: { type: 'string' },
    region: { type: 'string' },
    profile: { type: 'string' },
  });
  const port = portOption(values.port, 8080);
  if (port === undefined) throw new CliUsageError(`--port must be a port number, got '${values.port}'`);
  if (values.stack !== undefined) {
    if (values.repo !== undefined) throw new CliUsageError('--repo and --stack exclude each other');
    return serveStack(port, { stack: values.stack, region: values.region, profile: values.profile });
  }
  if (values.region !== undefined || values.profile !== undefined)
    throw new CliUsageError('--region and --profile go with --stack NAME');
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
      statuses: new LoggedStatuses((line) => log(`sci ui: ${line}`)),
      ...(runtime ? { queue: runtime.report } : {}),
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

/** `sci ui --stack`: the stack's adapters, the same dashboard, until Ctrl-C. */
async function serveStack(
  port: number,
  options: { stack: string; region: string | undefined; profile: string | undefined },
): Promise<number> {
  if (!options.stack) throw new CliUsageError('--stack needs the name of a deployed stack (e.g. ServerlessCi)');
  const { openStackSession, StackSessionError } = await import('../../aws/stack-session.ts');
  const session = await openStackSession({
    stack: options.stack,
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  }).catch((error: Error) => {
    if (error instanceof StackSessionError) throw new CliUsageError(error.message);
    throw error;
  });
  const log = (line: string) => process.stdout.write(`${line}\n`);
  try {
    // the stack's own region's prices, unless SCI_COST_REGION says otherwise (or they are not in the table)
    const prices = process.env.SCI_COST_REGION?.trim() ? cliPrices() : (pricesFor(session.region) ?? cliPrices());
    const dashboard = stackDashboard({ ...session, prices });
    await serveUntilSignal(
      createServeServer({ dashboard }),
      port,
      (url) => `sci ui: ${url} (stack ${session.stack} in ${session.region}, with your AWS credentials)`,
      log,
    );
  } finally {
    session.close();
  }
  return 0;
}
