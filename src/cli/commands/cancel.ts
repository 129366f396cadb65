/**
 * `sci cancel RUN`: asks the engine running it (another process) to abort, and waits until the
 * run has ended. A run whose process is gone is ended on the spot (crash recovery); so is one
whose engine on another host records no heartbeat while this command waits.
 */
import { userInfo } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { removeRunDir } from '../../../local/build-runner/workspace.ts';
import { HEARTBEAT_MS, readControl, requestCancel } from '../../../local/engine/run-control.ts';
import { withSession } from '../../../local/session.ts';
import { localControlDeps } from '../../../local/engine/local-control.ts';
import { LoggedStatuses } from '../../../local/status-log.ts';
import { isWaiting } from '../../core/concurrency.ts';
import { cancel } from '../../core/control.ts';
import { parseCommandArgs } from '../args.ts';
import { CliUsageError } from '../errors.ts';
import { reportFailure } from '../failure.ts';

export const help = `usage: sci cancel RUN [--repo DIR]

Cancels a run from any terminal and waits until it has ended.

options:
  --repo DIR   the repository (default: the current directory)
  -h, --help   show this help
`;

/** How long `sci cancel` waits for the run to end before it leaves it to the engine. */
const WAIT_MS = 20_000;

/**
 * An engine that recorded no heartbeat for this long, while this command watched, is gone (a
 * process on another host, killed): the cancel is then recorded here. Measured on this host's
 * clock only, so the two hosts' clocks never matter.
 */
const SILENT_MS = 3 * HEARTBEAT_MS;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { repo: { type: 'string' } });
  const [runId, ...extra] = positionals;
  if (!runId || extra.length > 0) throw new CliUsageError('usage: sci cancel RUN');
  return withSession(
    values.repo,
    async ({ store, table, paths }) => {
      const found = await store.getRun(runId);
      if (!found) {
        process.stderr.write(`sci cancel: no run ${runId}\n`);
        return 1;
      }
      // a run waiting its turn in a concurrency group has no process to ask: the core's cancel ends it
      // here, takes it out of the group's queue and posts its status (a line: sci/<pipeline> error …)
      if (isWaiting(found.run)) {
        const deps = localControlDeps({
          store,
          table,
          statuses: new LoggedStatuses((line) => process.stdout.write(`${line}\n`)),
        });
        const result = await cancel(deps, runId, userInfo().username);
        if (!result.ok) return reportFailure('cancel', result.error, process.stderr);
        process.stdout.write(`${result.value}\n`);
        return 0;
      }
      if (!(await requestCancel(table, runId, new Date().toISOString()))) {
        process.stdout.write(`run ${runId} already ${found.run.status}\n`);
        return 0;
      }
      let beat = (await readControl(table, runId)).heartbeatAt;
      let beatSeen = Date.now();
      for (const deadline = Date.now() + WAIT_MS; Date.now() < deadline; await sleep(200)) {
        const now = await store.getRun(runId);
        if (now && !['queued', 'running'].includes(now.run.status)) {
          process.stdout.write(`run ${runId} ${now.run.status}\n`);
          return 0;
        }
        const control = await readControl(table, runId);
        if (control.heartbeatAt !== beat) [beat, beatSeen] = [control.heartbeatAt, Date.now()];
        if (Date.now() - beatSeen > SILENT_MS) {
          // nobody is left to honour the request: the run ends here, its steps settled as cancelled
          await store.transitionRun(runId, 'cancelled', {
            endedAt: new Date().toISOString(),
            reason: `cancelled (its engine${control.ownerHost ? ` on ${control.ownerHost}` : ''} stopped answering)`,
          });
          await removeRunDir(join(paths.work, runId));
          process.stdout.write(`run ${runId} cancelled (its engine stopped answering)\n`);
          return 0;
        }
      }
      process.stdout.write(`cancel requested for run ${runId}; it is still stopping\n`);
      return 0;
    },
    { create: false },
  );
}
