/** `sci envs [NAME --history] [--json] [--repo DIR]`: each environment's current release, or one's history. */
import { withSession } from '../../../local/session.ts';
import {
  environmentHistory,
  environmentTable,
  listEnvironments,
  releaseView,
  type Release,
} from '../../store/environments.ts';
import { parseCommandArgs } from '../args.ts';
import { CliUsageError } from '../errors.ts';

export const help = `usage: sci envs [NAME --history] [--json] [--repo DIR]

Lists each environment's current release (the last successful step that released to it),
or with NAME --history that environment's releases, newest first.

options:
  --history    every release of NAME, newest first
  --json       JSON output: [{ name, sha, run, pipeline, status, at, url? }]
  --repo DIR   the repository (default: the current directory)
  -h, --help   show this help
`;

function table(releases: Release[]): string {
  const rows = releases.map((r) => [r.environment, r.sha.slice(0, 12), r.run, r.pipeline, r.status, r.at, r.url ?? '']);
  const head = ['ENVIRONMENT', 'SHA', 'RUN', 'PIPELINE', 'STATUS', 'AT', 'URL'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [head, ...rows]
    .map(
      (row) =>
        `${row
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    history: { type: 'boolean' },
    json: { type: 'boolean' },
    repo: { type: 'string' },
  });
  const [name, extra] = positionals;
  if (extra !== undefined) throw new CliUsageError(`unexpected argument '${extra}'`);
  if (values.history && name === undefined)
    throw new CliUsageError('--history needs an environment name: sci envs NAME --history');
  return withSession(
    values.repo,
    async ({ table: t }) => {
      const store = environmentTable(t.dynamo, t.tableName);
      const releases =
        name === undefined
          ? await listEnvironments(store)
          : values.history
            ? await environmentHistory(store, name)
            : await environmentHistory(store, name, 1);
      if (values.json) {
        process.stdout.write(`${JSON.stringify(releases.map(releaseView))}\n`);
        return 0;
      }
      if (releases.length === 0) {
        process.stdout.write(
          name === undefined
            ? 'no environments yet: a step with environment: NAME records a release when it succeeds\n'
            : `no releases to ${name} yet\n`,
        );
        return 0;
      }
      process.stdout.write(table(releases));
      return 0;
    },
    { create: false },
  );
}
