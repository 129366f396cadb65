/**
 * `sci run [PIPELINE...] [--repo DIR] [--event E] [--branch B] [--input k=v]... [--json] [--no-containers]`:
 * reads the pipelines at HEAD, validates them, picks those the event starts (or the ones
 * named), types their inputs and runs them concurrently on the embedded engine.
 * Exit 0 when every run succeeded, 1 when any did not, 2 for a usage or pipeline error.
 */
import { formatDiagnostic, sortDiagnostics } from '../../../statemachines/diagnostics.ts';
import type { EventName, Pipeline } from '../../../statemachines/pipeline/model.ts';
import { changedFilesAtHead, readGitFacts } from '../../../local/git-facts.ts';
import { loadPipelines } from '../../core/pipelines.ts';
import { GitSource } from '../../source/git-source.ts';
import { jobsOption, parseCommandArgs } from '../args.ts';
import { containerModeOf } from '../container-mode.ts';
import { CliUsageError } from '../errors.ts';
import { selectPipelines, triggerFor } from '../run/selection.ts';

export const help = `usage: sci run [PIPELINE...] [--repo DIR] [--event E] [--branch B] [--input k=v]... [-j N] [--json] [--no-containers]

Runs pipelines now, locally, on the embedded engine, against the repository's current commit.
Without PIPELINE, runs the pipelines whose \`on\` matches the event; a named pipeline runs whatever its \`on\`.

options:
  --repo DIR       the repository (default: the current directory)
  --event E        push (default), pull_request, schedule, manual or pipeline
  --branch B       the branch the event is for (default: the checked-out branch)
  --input k=v      a typed input of a manual run; repeat for several
  -j, --jobs N     at most N steps run at once (default: the number of cores); the others wait, pending
  --json           one JSON object per run, a line each
  --no-containers  run every step as a local process, not in its image (same as SCI_CONTAINER=none)
  -h, --help       show this help

Steps run in their images on the engine SCI_CONTAINER names (docker or podman), by default the
first of them that answers; with none, as local processes (see docs/local.md).

exit: 0 every run succeeded, 1 a run did not, 2 usage or pipeline error
`;

const EVENTS: EventName[] = ['push', 'pull_request', 'schedule', 'manual', 'pipeline'];

/** Whether a push or pull request starts `pipeline` only when it changes some paths. */
function filtersPaths({ triggers: { push, pullRequest } }: Pipeline): boolean {
  return [push?.paths, push?.pathsIgnore, pullRequest?.paths, pullRequest?.pathsIgnore].some((p) => p !== undefined);
}

/** `k=v` pairs → raw inputs (typed later against each pipeline's declaration). */
function parseInputs(pairs: string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new CliUsageError(`--input expects name=value, got '${pair}'`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    repo: { type: 'string' },
    event: { type: 'string' },
    branch: { type: 'string' },
    input: { type: 'string', multiple: true },
    json: { type: 'boolean' },
    jobs: { type: 'string', short: 'j' },
    'no-containers': { type: 'boolean' },
  });
  const parallel = jobsOption(values.jobs);
  const containers = containerModeOf(values['no-containers'], process.env);
  const event = (values.event ?? 'push') as EventName;
  if (!EVENTS.includes(event))
    throw new CliUsageError(`--event must be one of ${EVENTS.join(', ')}, got '${values.event}'`);
  const inputs = parseInputs(values.input ?? []);
  const git = await readGitFacts(values.repo ?? '.').catch((error: Error) => {
    throw new CliUsageError(error.message);
  });
  const repoDir = git.root;
  const branch = values.branch ?? git.branch;
  const files = await new GitSource(repoDir).readPipelineFiles(git.sha);
  let loaded = loadPipelines(files, triggerFor(event, branch, undefined));
  // the files HEAD changed are asked of git only when a pipeline's trigger filters on them
  if (loaded.ok && loaded.all.some(filtersPaths))
    loaded = loadPipelines(files, triggerFor(event, branch, await changedFilesAtHead(repoDir)));
  if (!loaded.ok) {
    for (const d of sortDiagnostics(loaded.diagnostics)) process.stderr.write(`${formatDiagnostic(d)}\n`);
    return 2;
  }
  const selected = selectPipelines(loaded, positionals, inputs);
  if (!selected.ok) {
    process.stderr.write(`${selected.errors.map((e) => `sci run: ${e}`).join('\n')}\n`);
    return 2;
  }
  if (selected.runs.length === 0) {
    process.stdout.write(
      `no pipeline starts on ${event}${branch ? ` to ${branch}` : ''}; name one to run it anyway: sci run PIPELINE\n`,
    );
    return 0;
  }
  // loaded only now: a usage or pipeline error, or nothing to run, never loads the engine, the store's client
  // and the interpreter (a third of what a `sci run` process loads; docs/benchmarks.md)
  const { executeSelected } = await import('../run/execute.ts');
  return executeSelected({
    repoDir,
    git,
    event,
    branch,
    all: loaded.all,
    runs: selected.runs,
    json: values.json ?? false,
    containers,
    ...(parallel ? { parallel } : {}),
  });
}
