/**
 * `sci redrive RUN [--repo DIR] [--json] [--no-containers]`: resumes a failed or cancelled run at
 * its steps that did not succeed, on the embedded engine in this process, through the core's
 * `redrive` use case; succeeded steps are not run again. Exit 0 when the run then succeeds.
 */
import { readGitFacts } from '../../../local/git-facts.ts';
import { LocalRedriver } from '../../../local/engine/local-redrive.ts';
import { localRuntime } from '../../../local/runtime.ts';
import { LoggedStatuses } from '../../../local/status-log.ts';
import { withSession } from '../../../local/session.ts';
import { changeWatch } from '../../../local/store/changes.ts';
import { redrive } from '../../core/control.ts';
import { GitSource } from '../../source/git-source.ts';
import { parseCommandArgs } from '../args.ts';
import { containerModeOf } from '../container-mode.ts';
import { CliUsageError } from '../errors.ts';
import { reportFailure } from '../failure.ts';
import { Progress } from '../output/progress.ts';
import { cancellable, report } from '../run/execute.ts';

export const help = `usage: sci redrive RUN [--repo DIR] [--json] [--no-containers]

Resumes a failed or cancelled run where it stopped: the steps that failed, were skipped or were
cancelled run again, in the same run (its attempt number goes up); steps that succeeded are not
run again and keep their logs, outputs and artifacts. The run executes the definition it was bound
to, read from the pipeline files at its commit.

options:
  --repo DIR       the repository (default: the current directory)
  --json           the run as one JSON object when it ends
  --no-containers  run every step as a local process, not in its image (same as SCI_CONTAINER=none)
  -h, --help       show this help

exit: 0 the run succeeded, 1 it did not or cannot be redriven, 2 usage error or invalid pipeline files
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    repo: { type: 'string' },
    json: { type: 'boolean' },
    'no-containers': { type: 'boolean' },
  });
  const [runId, ...extra] = positionals;
  if (!runId || extra.length > 0) throw new CliUsageError('usage: sci redrive RUN');
  const json = values.json ?? false;
  const git = await readGitFacts(values.repo ?? '.').catch((error: Error) => {
    throw new CliUsageError(error.message);
  });
  const repoDir = git.root;
  return withSession(repoDir, async (session) => {
    const tty = !json && process.stdout.isTTY === true;
    const where = new Map<string, string>();
    const progress = json
      ? undefined
      : new Progress(session.store, process.stdout, tty, where, changeWatch(session.writes));
    const note = (text: string) =>
      progress ? progress.note(`sci redrive: ${text}`) : process.stderr.write(`sci redrive: ${text}\n`);
    const source = new GitSource(repoDir);
    const runtime = localRuntime({
      session,
      repoDir,
      repoUrl: git.repoUrl,
      source,
      statuses: new LoggedStatuses(note),
      runUrl: (id) => `sci show ${id}`,
      containers: containerModeOf(values['no-containers'], process.env),
      onNotice: note,
      onLaunch: (id, stepKey, at) => where.set(`${id}/${stepKey}`, at),
    });
    const redriver = new LocalRedriver({
      store: session.store,
      table: session.table,
      executions: runtime.executions,
      machines: runtime.machines,
      source,
      repoUrl: git.repoUrl,
    });
    return cancellable(
      () => runtime.executions.stopAll('cancelled (Ctrl-C)'),
      async () => {
        const result = await redrive({ store: session.store, redriver }, runId);
        if (!result.ok) return reportFailure('redrive', result.error, process.stderr);
        if (!json) process.stdout.write(`sci redrive: ${result.value}\n`);
        progress?.track(runId);
        // the run's end, then what it started (followers)
        await runtime.executions.settled();
        await progress?.stop();
        const [ended] = await report(session, [runId], json, tty, where);
        return ended?.run.status === 'succeeded' ? 0 : 1;
      },
    );
  });
}
