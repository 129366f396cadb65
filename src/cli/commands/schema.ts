/** `sci schema`: prints the JSON Schema of the pipeline file, for editors. */
import { parseCommandArgs } from '../args.ts';
import { CliUsageError } from '../errors.ts';
import { pipelineJsonSchema } from '../../../statemachines/pipeline/json-schema.ts';

export const help = `usage: sci schema

Prints the JSON Schema of the pipeline file, for editor completion and inline errors.

options:
  -h, --help   show this help
`;

/** Prints the schema on stdout; exit 0. */
export async function run(argv: string[]): Promise<number> {
  const { positionals } = parseCommandArgs(argv, {});
  if (positionals.length > 0) throw new CliUsageError(`unexpected argument '${positionals[0]}'`);
  process.stdout.write(`${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`);
  return 0;
}
