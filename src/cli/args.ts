import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliUsageError } from './errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** `util.parseArgs` with its errors turned into usage errors (exit 2). */
export function parseCommandArgs<T extends Options>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error));
  }
}

/** `-j N` / `--jobs N`: how many builds run at once; undefined when not given (the core count). */
export function jobsOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const jobs = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(jobs) || jobs < 1)
    throw new CliUsageError(`--jobs must be a positive integer, got '${value}'`);
  return jobs;
}
