/**
 * The running half of `sci promote` and `sci rollback`: the pipelines at the release's sha,
 * reduced to the steps releasing to the target environment, run with the release's outputs.
 */
import { readGitFacts } from '../../../local/git-facts.ts';
import { withSession } from '../../../local/session.ts';
import { formatDiagnostic, sortDiagnostics } from '../../../statemachines/diagnostics.ts';
import { loadPipelines } from '../../core/pipelines.ts';
import { releasePlan } from '../../core/release-plan.ts';
import { GitSource } from '../../source/git-source.ts';
import { environmentTable, type EnvironmentTable, type Release } from '../../store/environments.ts';
import { containerModeOf } from '../container-mode.ts';
import { CliUsageError } from '../errors.ts';
import { executeSelected } from './execute.ts';

/** Reads the release to re-release (or a reason there is none) from the local store. */
export async function findRelease(
  repo: string | undefined,
  pick: (t: EnvironmentTable) => Promise<Release | string>,
): Promise<Release> {
  const found = await withSession(repo, ({ table }) => pick(environmentTable(table.dynamo, table.tableName)), {
    create: false,
  });
  if (typeof found === 'string') throw new CliUsageError(found);
  return found;
}

/** Runs the steps releasing to `environment` at `release`'s sha with its outputs. */
export async function rerelease(
  repo: string | undefined,
  release: Release,
  environment: string,
  json: boolean,
): Promise<number> {
  const git = await readGitFacts(repo ?? '.').catch((error: Error) => {
    throw new CliUsageError(error.message);
  });
  const repoDir = git.root;
  const loaded = loadPipelines(await new GitSource(repoDir).readPipelineFiles(release.sha), { event: 'manual' });
  if (!loaded.ok) {
    for (const d of sortDiagnostics(loaded.diagnostics)) process.stderr.write(`${formatDiagnostic(d)}\n`);
    return 2;
  }
  const plan = releasePlan(loaded.all, release.pipeline, environment, release.outputs);
  if (!plan.ok) throw new CliUsageError(`${plan.error.message} at ${release.sha.slice(0, 12)}`);
  if (!json) process.stdout.write(`releasing ${release.sha.slice(0, 12)} (run ${release.run}) to ${environment}\n`);
  return executeSelected({
    repoDir,
    git: { ...git, sha: release.sha },
    event: 'manual',
    branch: release.branch,
    all: [plan.value.pipeline],
    runs: [{ pipeline: plan.value.pipeline, inputs: {} }],
    json,
    containers: containerModeOf(undefined, process.env),
    released: plan.value.released,
  });
}
