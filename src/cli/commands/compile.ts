/**
 * `sci compile FILE [--out F]`: prints (or writes) the Amazon States Language definition
 * the pipeline file compiles to, with the default resource names (sci-runs, sci-steps,
 * sci-artifacts). Exit 0, or 1 with `file:line:col: message` diagnostics on invalid input.
 */
import { closeSync, existsSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { CliUsageError } from '../errors.ts';
import { formatDiagnostic, sortDiagnostics } from '../../../statemachines/diagnostics.ts';
import { renderAsl } from '../../../statemachines/asl/render.ts';
import { compileSource } from '../../../statemachines/compiler/compile.ts';
import { MAX_FILE_BYTES } from '../../../statemachines/pipeline/yaml-source.ts';

/**
 * A pipeline file's text, read only as far as the size limit (and one byte more, so the parser
 * reports it as too large): `/dev/zero`, a FIFO or a directory is a usage error, not a hang.
 */
function readPipelineFile(file: string): string {
  if (!statSync(file).isFile()) throw new CliUsageError(`${file} is not a regular file`);
  const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
  const fd = openSync(file, 'r');
  try {
    return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

export const help = `usage: sci compile FILE [--out F]

Prints the Amazon States Language definition that FILE compiles to.

options:
  -o, --out F  write the definition to F instead of stdout
  -h, --help   show this help

exit: 0 compiled, 1 invalid pipeline, 2 usage error
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { out: { type: 'string', short: 'o' } });
  if (positionals.length !== 1) throw new CliUsageError('usage: sci compile FILE [--out F]');
  const file = positionals[0]!;
  if (!existsSync(file)) throw new CliUsageError(`no such file: ${file}`);
  // Diagnostics and the pipeline id use the path as the user sees it from here.
  const shown = relative(process.cwd(), resolve(file)).split(sep).join('/');
  const result = compileSource(shown, readPipelineFile(file));
  if (!result.ok) {
    for (const d of sortDiagnostics(result.diagnostics)) process.stderr.write(`${formatDiagnostic(d, shown)}\n`);
    return 1;
  }
  const text = renderAsl(result.value.definition);
  if (values.out) writeFileSync(values.out, text);
  else process.stdout.write(text);
  return 0;
}
