/** `sci runs [--json] [--limit N] [--repo DIR]`: local run history, newest first. */
import { NoStateHomeError } from '../../../local/home.ts';
import { withSession } from '../../../local/session.ts';
import { parseCommandArgs } from '../args.ts';
import { printable } from '../output/printable.ts';
import { CliUsageError } from '../errors.ts';
import { duration, runViews } from '../output/run-view.ts';

export const help = `usage: sci runs [--limit N] [--json] [--repo DIR]

Lists local run history, newest first.

options:
  --limit N    at most N runs
  --json       JSON output
  --repo DIR   the repository (default: the current directory)
  -h, --help   show this help
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    json: { type: 'boolean' },
    limit: { type: 'string' },
    repo: { type: 'string' },
  });
  const limit = Number(values.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1)
    throw new CliUsageError(`--limit must be a positive integer, got '${values.limit}'`);
  const listed = withSession(
    values.repo,
    async ({ store }) => {
      const runs = await store.listRuns({ limit });
      if (values.json) {
        for (const view of await runViews(store, runs)) process.stdout.write(`${JSON.stringify(view)}\n`);
        return 0;
      }
      if (runs.length === 0) {
        process.stdout.write('no runs yet: try `sci run`\n');
        return 0;
      }
      const rows = runs.map((r) =>
        [r.id, r.pipeline, r.status, r.startedAt ?? r.createdAt, duration(r.startedAt, r.endedAt), r.reason ?? ''].map(
          printable,
        ),
      );
      const head = ['RUN', 'PIPELINE', 'STATUS', 'STARTED', 'TOOK', 'REASON'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
      for (const row of [head, ...rows])
        process.stdout.write(
          `${row
            .map((c, i) => c.padEnd(widths[i]!))
            .join('  ')
            .trimEnd()}\n`,
        );
      return 0;
    },
    { create: false },
  );
  // nothing ever ran here: an empty history, and no state home made for it
  return listed.catch((error: unknown) => {
    if (!(error instanceof NoStateHomeError)) throw error;
    if (!values.json) process.stdout.write('no runs yet: try `sci run`\n');
    return 0;
  });
}
