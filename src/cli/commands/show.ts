/** `sci show RUN [--json] [--repo DIR]`: one run and its steps. */
import { withSession } from '../../../local/session.ts';
import { parseCommandArgs } from '../args.ts';
import { CliUsageError } from '../errors.ts';
import { costLine, runBlock, runView } from '../output/run-view.ts';

export const help = `usage: sci show RUN [--json] [--repo DIR]

Shows one run, its steps and its cost on AWS (for a local run: what it would have cost), priced
for SCI_COST_REGION (default us-east-1).

options:
  --json       one JSON object
  --repo DIR   the repository (default: the current directory)
  -h, --help   show this help

exit: 0 shown, 1 no such run
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, repo: { type: 'string' } });
  const [runId, ...extra] = positionals;
  if (!runId || extra.length > 0) throw new CliUsageError('usage: sci show RUN [--json]');
  return withSession(
    values.repo,
    async ({ store }) => {
      const found = await store.getRun(runId);
      if (!found) {
        process.stderr.write(`sci show: no run ${runId}\n`);
        return 1;
      }
      process.stdout.write(
        values.json ? `${JSON.stringify(runView(found))}\n` : `${[...runBlock(found), costLine(found)].join('\n')}\n`,
      );
      return 0;
    },
    { create: false },
  );
}
