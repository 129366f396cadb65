/** `sci promote FROM TO [--repo DIR] [--json]`: re-releases FROM's current release to TO. */
import { currentRelease } from '../../store/environments.ts';
import { parseCommandArgs } from '../args.ts';
import { CliUsageError } from '../errors.ts';
import { findRelease, rerelease } from '../run/release.ts';

export const help = `usage: sci promote FROM TO [--repo DIR] [--json]

Runs the steps that release to environment TO at the sha of FROM's current release, with that
release's outputs (the same build, not a rebuild). Exits as sci run.

options:
  --json       one JSON line for the run
  --repo DIR   the repository (default: the current directory)
  -h, --help   show this help
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { repo: { type: 'string' }, json: { type: 'boolean' } });
  const [from, to, extra] = positionals;
  if (from === undefined || to === undefined || extra !== undefined)
    throw new CliUsageError('usage: sci promote FROM TO');
  const release = await findRelease(
    values.repo,
    async (t) => (await currentRelease(t, from)) ?? `environment ${from} has no release`,
  );
  return rerelease(values.repo, release, to, values.json ?? false);
}
