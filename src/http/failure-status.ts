/**
 * The HTTP edge of the core's error model (src/core/result.ts): the status each kind of failure
 * answers with, and the JSON body, the same in the API Lambda, the dashboard and `sci serve`.
 */
import type { Failure } from '../core/result.ts';

const STATUS: Record<Failure['kind'], number> = {
  'not-found': 404,
  conflict: 409,
  invalid: 400,
  unavailable: 503,
};

export function httpStatusOf(failure: Failure): number {
  return STATUS[failure.kind];
}

/** `{ error, kind }`, with the conflict's reason and the invalid input's problems. */
export function failureBody(failure: Failure): Record<string, unknown> {
  const { message, ...rest } = failure;
  return { error: message, ...rest };
}
