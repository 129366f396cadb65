/**
 * The CLI's edge of the core's error model (src/core/result.ts): a failure is written on stderr,
 * `sci <command>: <message>` (bad input: one line per problem, each starting with its
 * `file:line:col`), and gives an exit code: 2 for invalid input (like a usage error), 1 for the
 * rest (not found, a conflict, unavailable).
 */
import type { Failure } from '../core/result.ts';
import { printable } from './output/printable.ts';

export function exitCodeOf(failure: Failure): number {
  return failure.kind === 'invalid' ? 2 : 1;
}

/** Writes the failure and returns the exit code. */
export function reportFailure(command: string, failure: Failure, stderr: { write(text: string): unknown }): number {
  if (failure.kind === 'invalid' && failure.problems.length > 0)
    for (const problem of failure.problems) stderr.write(`${printable(problem.message)}\n`);
  else stderr.write(`sci ${command}: ${printable(failure.message)}\n`);
  return exitCodeOf(failure);
}
