/**
 * `sci serve [--repo DIR] [--port P] [--no-containers] [--allow-untrusted]`: the dashboard and,
 * when SCI_WEBHOOK_SECRET is set, a local GitHub webhook endpoint (`POST /webhook`) that runs
 * matching pipelines on the embedded engine. Steps of fork pull requests run in a bubblewrap
 * sandbox (process mode); without one they are refused unless `--allow-untrusted` is given.
 */
import { repositoryRoot } from '../../../local/home.ts';
import { openSession } from '../../../local/session.ts';
import { GitSource } from '../../source/git-source.ts';
import { createServeApp } from '../../serve/serve-app.ts';
import { createServeServer } from '../../serve/http.ts';
import { portOption, serveUntilSignal } from '../../serve/until-signal.ts';
import { jobsOption, parseCommandArgs } from '../args.ts';
import { containerModeOf } from '../container-mode.ts';
import { CliUsageError } from '../errors.ts';
import { printable } from '../output/printable.ts';

export const help = `usage: sci serve [--repo DIR] [--port P] [-j N] [--no-containers] [--allow-untrusted]

Serves the dashboard at / (see sci ui) and, when SCI_WEBHOOK_SECRET is set, a local GitHub
webhook endpoint (POST /webhook) that runs matching pipelines on the embedded engine.

options:
  --repo DIR         the repository (default: the current directory)
  --port P           the port to listen on
  -j, --jobs N       at most N steps run at once over all runs (default: the number of cores)
  --no-containers    run every step as a local process, not in its image (same as SCI_CONTAINER=none)
  --allow-untrusted  run steps of fork pull requests even when no sandbox (bubblewrap) is usable
  -h, --help         show this help
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    repo: { type: 'string' },
    port: { type: 'string' },
    jobs: { type: 'string', short: 'j' },
    'no-containers': { type: 'boolean' },
    'allow-untrusted': { type: 'boolean' },
  });
  const parallel = jobsOption(values.jobs);
  const containers = containerModeOf(values['no-containers'], process.env);
  const port = portOption(values.port, 8080);
  if (port === undefined) throw new CliUsageError(`--port must be a port number, got '${values.port}'`);
  const secret = process.env.SCI_WEBHOOK_SECRET;
  const repoDir = repositoryRoot(values.repo);
  const session = await openSession(repoDir);
  // one line per entry: a value inside (a commit message, a reason, a name) can't break or paint it
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${printable(line)}\n`);
  const app = await createServeApp({
    repoDir,
    secret: secret ?? '',
    session,
    source: new GitSource(repoDir),
    log,
    containers,
    ...(parallel ? { parallel } : {}),
    untrustedPolicy: values['allow-untrusted'] ? 'allow' : 'sandbox',
  }).catch((error: Error) => {
    throw new CliUsageError(error.message);
  });
  // without a secret no delivery could be verified: the webhook stays off, the dashboard works
  const server = createServeServer(secret ? app.handlers : { dashboard: app.handlers.dashboard });
  // the first Ctrl-C stops accepting: the backlog is dispatched and the runs end, unless a second one comes
  await serveUntilSignal(
    server,
    port,
    (url) =>
      secret
        ? `sci serve: dashboard ${url} (webhook: POST ${url}webhook) for ${app.repo ?? repoDir}`
        : `sci serve: dashboard ${url} for ${app.repo ?? repoDir} (webhook off: set SCI_WEBHOOK_SECRET to the GitHub webhook's secret to turn it on)`,
    log,
    {
      stopping: () =>
        log(
          `stopping: ${app.undispatched()} accepted deliveries to dispatch, then the runs to end (Ctrl-C again to ` +
            `stop now: deliveries not dispatched yet stay in ${app.spool} for the next sci serve)`,
        ),
      again: () => {
        log(
          `stopped: ${app.undispatched()} accepted deliveries left in ${app.spool}; the next sci serve dispatches them`,
        );
        process.exit(130);
      },
    },
  );
  await app.drained();
  app.close();
  await session.close();
  return 0;
}
