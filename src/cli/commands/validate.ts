/**
 * `sci validate [--repo DIR] [FILE...]`: checks the pipeline files on disk (committed or
 * not). Problems go to stderr as `file:line:col: message`, sorted; exit 0 ok, 1 invalid.
 * Named files are checked against all the others, so calls between pipelines resolve, and
 * valid pipelines are compiled, so "ok" means the files will deploy.
 * Secret references outside the prefixes the deployed step role reads (`sci/`, `/sci/`, or
 * `--secrets-prefix` / `--parameters-prefix`, or SCI_SECRETS_PREFIX / SCI_PARAMETERS_PREFIX) are
 * warnings: they do not change the exit code, but the dispatcher refuses them on AWS.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { repositoryRoot } from '../../../local/home.ts';
import { parseCommandArgs } from '../args.ts';
import { CliUsageError } from '../errors.ts';
import { formatDiagnostic, sortDiagnostics, type Diagnostic } from '../../../statemachines/diagnostics.ts';
import type { Pipeline } from '../../../statemachines/pipeline/model.ts';
import { planSteps } from '../../../statemachines/pipeline/plan.ts';
import { compilePipeline } from '../../../statemachines/compiler/compile.ts';
import { isPipelineFile, validateRepo } from '../../../statemachines/pipeline/repo.ts';
import { readWorkingTreePipelines } from '../../source/working-tree.ts';
import {
  DEFAULT_SECRET_PREFIXES,
  secretsOutsidePrefix,
  type SecretPrefixes,
} from '../../../statemachines/pipeline/secret-prefix.ts';

export const help = `usage: sci validate [--repo DIR] [--secrets-prefix P] [--parameters-prefix P] [FILE...]

Checks the pipeline files under .sci/ (committed or not) and compiles the valid ones, so "ok"
means they will deploy. Every problem is printed at once as file:line:col: message.
A secret outside the prefixes the deployed step role reads is a warning (the exit code stays).

options:
  --repo DIR                 the repository (default: the current directory)
  --secrets-prefix P         Secrets Manager prefix steps read on AWS (default: $SCI_SECRETS_PREFIX or sci/)
  --parameters-prefix P      SSM parameter path steps read on AWS (default: $SCI_PARAMETERS_PREFIX or /sci/)
  -h, --help                 show this help

exit: 0 valid, 1 invalid, 2 usage error
`;

/** Exit 0 when every pipeline is valid, 1 when one is not, 2 for a usage mistake. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    repo: { type: 'string' },
    'secrets-prefix': { type: 'string' },
    'parameters-prefix': { type: 'string' },
  });
  const prefixes: SecretPrefixes = {
    secretsManager:
      values['secrets-prefix'] ?? process.env.SCI_SECRETS_PREFIX ?? DEFAULT_SECRET_PREFIXES.secretsManager,
    parameterStore:
      values['parameters-prefix'] ?? process.env.SCI_PARAMETERS_PREFIX ?? DEFAULT_SECRET_PREFIXES.parameterStore,
  };
  const repoDir = repositoryRoot(values.repo);
  if (!existsSync(repoDir) || !statSync(repoDir).isDirectory())
    throw new CliUsageError(`no such directory: ${repoDir}`);
  const selected = positionals.map((file) => repoPath(repoDir, file));
  const files = await readWorkingTreePipelines(repoDir);
  const { pipelines, diagnostics: problems } = validateRepo(files);
  // Compiling too catches what only the compiler knows: Step Functions' size and history limits.
  const diagnostics = sortDiagnostics([...problems, ...pipelines.flatMap(compileProblems)]);
  const shown = selected.length === 0 ? diagnostics : diagnostics.filter((d) => selected.includes(d.span?.file ?? ''));
  for (const d of shown) process.stderr.write(`${formatDiagnostic(d)}\n`);
  const warnings = sortDiagnostics(pipelines.flatMap((p) => secretsOutsidePrefix(p, prefixes))).filter(
    (d) => selected.length === 0 || selected.includes(d.span?.file ?? ''),
  );
  for (const d of warnings) process.stderr.write(`${formatDiagnostic({ ...d, message: `warning: ${d.message}` })}\n`);
  if (shown.length > 0) return 1;
  const count = selected.length === 0 ? pipelines.length : selected.length;
  process.stdout.write(
    files.length === 0
      ? `ok: no pipeline files under .sci/ in ${repoDir}\n`
      : `ok: ${count} pipeline${count === 1 ? '' : 's'}\n`,
  );
  return 0;
}

function compileProblems(pipeline: Pipeline): Diagnostic[] {
  const plan = planSteps(pipeline);
  const compiled = plan.ok ? compilePipeline(pipeline, plan.value) : plan;
  return compiled.ok ? [] : compiled.diagnostics;
}

/** A FILE argument as the repository-relative path diagnostics carry; it must be a pipeline file. */
function repoPath(repoDir: string, file: string): string {
  const absolute = isAbsolute(file) ? file : resolve(file);
  const path = relative(repoDir, absolute).split(sep).join('/');
  if (!existsSync(absolute)) throw new CliUsageError(`no such file: ${file}`);
  if (!isPipelineFile(path))
    throw new CliUsageError(`${file} is not a pipeline file (.sci/**.yml or .yaml under ${repoDir})`);
  return path;
}
