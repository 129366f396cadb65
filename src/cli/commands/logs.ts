/** `sci logs RUN STEP [--follow]`: one step's log (all attempts); `--follow` until the step ends. */
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { stepLogFile } from '../../../local/home.ts';
import { withSession } from '../../../local/session.ts';
import { parseCommandArgs } from '../args.ts';
import { CliUsageError } from '../errors.ts';
import { printableOutput } from '../output/printable.ts';
import { findStep } from '../output/run-view.ts';

export const help = `usage: sci logs RUN STEP [--follow] [--repo DIR]

Prints one step's log (all its attempts).

options:
  -f, --follow  keep printing until the step ends
  --repo DIR    the repository (default: the current directory)
  -h, --help    show this help
`;

const ENDED = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

/**
 * Where the log's bytes go: a pipe or a file gets them as they are; a terminal gets them with
 * control characters escaped, colours aside (printable.ts), so a log can't drive the terminal.
 */
function logWriter(out: NodeJS.WriteStream): (bytes: Buffer) => void {
  if (!out.isTTY) return (bytes) => out.write(bytes);
  const decoder = new StringDecoder('utf8');
  return (bytes) => out.write(decoder.write(bytes).split('\n').map(printableOutput).join('\n'));
}

/** Copies bytes of `path` from `offset` to stdout; returns the new offset. */
async function copyFrom(path: string, offset: number, write: (bytes: Buffer) => void): Promise<number> {
  const file = await open(path).catch(() => undefined);
  if (!file) return offset;
  try {
    const buffer = Buffer.alloc(64 * 1024);
    let at = offset;
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, at);
      if (bytesRead === 0) return at;
      write(buffer.subarray(0, bytesRead));
      at += bytesRead;
    }
  } finally {
    await file.close();
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    follow: { type: 'boolean', short: 'f' },
    repo: { type: 'string' },
  });
  const [runId, stepName, ...extra] = positionals;
  if (!runId || !stepName || extra.length > 0) throw new CliUsageError('usage: sci logs RUN STEP [--follow]');
  return withSession(
    values.repo,
    async ({ store, home }) => {
      const found = await store.getRun(runId);
      const step = found && findStep(found.steps, stepName);
      if (!found || !step) {
        process.stderr.write(`sci logs: ${found ? `run ${runId} has no step '${stepName}'` : `no run ${runId}`}\n`);
        return 1;
      }
      const path = stepLogFile(home, runId, step.key);
      const write = logWriter(process.stdout);
      let offset = await copyFrom(path, 0, write);
      if (!values.follow) {
        if (offset === 0) process.stderr.write(`(no output: step is ${step.status})\n`);
        return 0;
      }
      for (;;) {
        const now = findStep((await store.getRun(runId))?.steps ?? [], step.key);
        offset = await copyFrom(path, offset, write);
        if (!now || ENDED.has(now.status)) return 0;
        await sleep(200);
      }
    },
    { create: false },
  );
}
