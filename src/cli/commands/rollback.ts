/** `sci rollback ENV [--repo DIR] [--json]`: re-releases ENV's previous successful release. */
import { previousRelease } from '../../store/environments.ts';
import { parseCommandArgs } from '../args.ts';
import { CliUsageError } from '../errors.ts';
import { findRelease, rerelease } from '../run/release.ts';

export const help = `usage: sci rollback ENV [--repo DIR] [--json]

Re-releases ENV's previous successful release: the steps that release to ENV run again at
that release's sha with its outputs. Exits as sci run.

options:
  --json       one JSON line for the run
  --repo DIR   the repository (default: the current directory)
  -h, --help   show this help
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { repo: { type: 'string' }, json: { type: 'boolean' } });
  const [env, extra] = positionals;
  if (env === undefined || extra !== undefined) throw new CliUsageError('usage: sci rollback ENV');
  const release = await findRelease(
    values.repo,
    async (t) => (await previousRelease(t, env)) ?? `environment ${env} has no earlier successful release`,
  );
  return rerelease(values.repo, release, env, values.json ?? false);
}
