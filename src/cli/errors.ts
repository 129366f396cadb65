/** A mistake in how a command was called (bad flag, missing argument): exit code 2, no stack trace. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

/**
 * An internal failure is still reported in one line; the stack only with SCI_DEBUG=1,
 * because a user should never have to read our internals to know what went wrong.
 */
export function formatUnexpected(command: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const stack = process.env.SCI_DEBUG && error instanceof Error ? `\n${error.stack}` : '';
  return `sci ${command}: internal error: ${message}${stack}\n`;
}
