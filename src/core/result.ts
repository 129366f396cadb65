/**
 * The core's one error model. A use case returns a `Result`: its value, or a `Failure` of one of a
 * few kinds, said in the domain's words (a run that does not exist, a run already ended, a bad
 * input and where it is). The edges translate the kinds: HTTP statuses in the API Lambda, the
 * dashboard and `sci serve` (src/http/failure-status.ts), an exit code and one line in the CLI.
 * No HTTP status lives in the core (test/architecture.test.ts).
 *
 * Adapters may throw. An adapter's error that is a failure of the domain carries it
 * (`{ failure }`, the run store's errors do), and the core turns it into that value where it
 * calls the port (`failureOf`); any other error is a fault and propagates.
 */

/** Why a request conflicts with the state of what it acts on. */
export type ConflictReason =
  /** The run (or step) has already ended. */
  | 'ended'
  /** An approval decided on a step that is not waiting for one. */
  | 'not-waiting'
  /** Someone decided the approval the other way first; the first decision stands. */
  | 'decided'
  /** The run has no execution (yet) to act on. */
  | 'no-execution'
  /** The run cannot be resumed: not failed or cancelled, started by another run, or the engine refuses. */
  | 'not-redrivable'
  /** Every step of the run succeeded. */
  | 'nothing-to-redrive';

/** Where a bad input is: a place in a pipeline file, or the name of a run's input. */
export type Position = { file: string; line?: number; col?: number } | { input: string };

export interface Problem {
  /** One line, with `file:line:col` when the problem is in a file. */
  message: string;
  at?: Position;
}

export type Failure =
  | { kind: 'not-found'; message: string }
  | { kind: 'conflict'; reason: ConflictReason; message: string }
  | { kind: 'invalid'; message: string; problems: Problem[] }
  /** A dependency cannot serve the request now (a store that cannot be reached, a dashboard that runs nothing). */
  | { kind: 'unavailable'; message: string };

export type FailureKind = Failure['kind'];

export type Result<T> = { ok: true; value: T } | { ok: false; error: Failure };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

const failed = (error: Failure): { ok: false; error: Failure } => ({ ok: false, error });

export const notFound = (message: string) => failed({ kind: 'not-found', message });

export const conflict = (reason: ConflictReason, message: string) => failed({ kind: 'conflict', reason, message });

/** Bad input; the message defaults to the problems' own, one per line. */
export const invalid = (problems: Problem[], message = problems.map((p) => p.message).join('\n')) =>
  failed({ kind: 'invalid', message, problems });

export const unavailable = (message: string) => failed({ kind: 'unavailable', message });

/** An adapter's refusal, thrown through a port that returns no Result: the core gets the failure back. */
export class Refusal extends Error {
  override name = 'Refusal';
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

const KINDS: ReadonlySet<string> = new Set<FailureKind>(['not-found', 'conflict', 'invalid', 'unavailable']);

/** The failure an adapter's error carries, if it is one of the domain's (else it is a fault: rethrow it). */
export function failureOf(error: unknown): Failure | undefined {
  if (!(error instanceof Error) || !('failure' in error)) return undefined;
  const failure = (error as { failure?: Partial<Failure> }).failure;
  return failure && typeof failure.kind === 'string' && KINDS.has(failure.kind) ? (failure as Failure) : undefined;
}

/** Calls a port; a domain failure it throws comes back as a Result, any other error propagates. */
export async function fromPort<T>(call: () => Promise<T>): Promise<Result<T>> {
  try {
    return ok(await call());
  } catch (error) {
    const failure = failureOf(error);
    if (failure) return failed(failure);
    throw error;
  }
}
