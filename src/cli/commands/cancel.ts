/**
 * `sci cancel RUN`: asks the engine running it (another process) to abort, and waits until the
 * run has ended. A run whose process is gone is ended on the spot (crash recovery).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { requestCancel } from '../../../local/engine/run-control.ts';
import { withSession } from '../../../local/session.ts';
import { parseCommandArgs } from '../args.ts';
import { CliUsageError } from '../errors.ts';

export const help = `usage: sci cancel RUN [--repo DIR]

Cancels a run from any terminal and waits until it has ended.

options:
  --repo DIR   the repository (default: the current directory)
  -h, --help   show this help
`;

/** How long `sci cancel` waits for the run to end before it leaves it to the engine. */
const WAIT_MS = 15_000;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { repo: { type: 'string' } });
  const [runId, ...extra] = positionals;
  if (!runId || extra.length > 0) throw new CliUsageError('usage: sci cancel RUN');
  return withSession(values.repo, async ({ store, table }) => {
    const found = await store.getRun(runId);
    if (!found) {
      process.stderr.write(`sci cancel: no run ${runId}\n`);
      return 1;
    }
    if (!(await requestCancel(table, runId, new Date().toISOString()))) {
      process.stdout.write(`run ${runId} already ${found.run.status}\n`);
      return 0;
    }
    for (const deadline = Date.now() + WAIT_MS; Date.now() < deadline; await sleep(200)) {
      const now = await store.getRun(runId);
      if (now && !['queued', 'running'].includes(now.run.status)) {
        process.stdout.write(`run ${runId} ${now.run.status}\n`);
        return 0;
      }
    }
    process.stdout.write(`cancel requested for run ${runId}; it is still stopping\n`);
    return 0;
  }, { create: false });
}
