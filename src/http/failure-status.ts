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

/** The failure a body of `failureBody` holds (a client of the API reading its answer), if it holds one. */
export function failureOfBody(body: Record<string, unknown>): Failure | undefined {
  const { error: message, kind, reason, problems } = body;
  if (typeof message !== 'string' || typeof kind !== 'string' || !Object.hasOwn(STATUS, kind)) return undefined;
  if (kind === 'conflict') return typeof reason === 'string' ? ({ kind, reason, message } as Failure) : undefined;
  if (kind === 'invalid') return { kind, message, problems: Array.isArray(problems) ? problems : [] };
  return { kind, message } as Failure;
}
