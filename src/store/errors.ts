import type { Failure } from '../core/result.ts';

/**
 * Runtime failures of the run store: one base class with a stable `code` and a `name` per kind,
 * so callers print one line, never a stack trace. The errors that are failures of the domain
 * (a missing run or step, an approval not waiting or already decided, a store out of reach)
 * carry it as `failure` (src/core/result.ts), which the core's use cases return as a value.
 */
export class StoreError extends Error {
  override name = 'StoreError';
  /** The domain failure this is, if any (else a fault: a bug or a broken invariant). */
  readonly failure?: Failure;
  constructor(
    /** Stable, machine-readable. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown; failure?: Failure },
  ) {
    super(message, options);
    if (options?.failure) this.failure = options.failure;
  }
}

export class RunNotFoundError extends StoreError {
  override name = 'RunNotFoundError';
  constructor(readonly runId: string) {
    super('run-not-found', `run ${runId} not found`, {
      failure: { kind: 'not-found', message: `run ${runId} not found` },
    });
  }
}

export class StepNotFoundError extends StoreError {
  override name = 'StepNotFoundError';
  constructor(
    readonly runId: string,
    readonly key: string,
  ) {
    super('step-not-found', `step ${key} of run ${runId} not found`, {
      failure: { kind: 'not-found', message: `step ${key} of run ${runId} not found` },
    });
  }
}

/** An approval was decided on a step that is not waiting for one (not yet, or no longer). */
export class ApprovalNotWaitingError extends StoreError {
  override name = 'ApprovalNotWaitingError';
  constructor(
    readonly runId: string,
    readonly key: string,
    readonly status: string,
  ) {
    const message = `step ${key} of run ${runId} is ${status}, not waiting for an approval`;
    super('approval-not-waiting', message, { failure: { kind: 'conflict', reason: 'not-waiting', message } });
  }
}

/** Someone already decided the other way; the first decision stands. */
export class ApprovalAlreadyDecidedError extends StoreError {
  override name = 'ApprovalAlreadyDecidedError';
  constructor(
    readonly runId: string,
    readonly key: string,
    readonly decision: string,
    readonly by: string,
  ) {
    const message = `step ${key} of run ${runId} was already ${decision} by ${by}`;
    super('approval-already-decided', message, { failure: { kind: 'conflict', reason: 'decided', message } });
  }
}

/** A batch write kept coming back with unprocessed items after every retry. */
export class StoreWriteIncompleteError extends StoreError {
  override name = 'StoreWriteIncompleteError';
  constructor(readonly unprocessed: number) {
    super('store-write-incomplete', `${unprocessed} item(s) could not be written after retries`);
  }
}

/** The local store could not be opened or reached (lock held by a hung process, server gone). */
export class StoreUnavailableError extends StoreError {
  override name = 'StoreUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('store-unavailable', message, { ...options, failure: { kind: 'unavailable', message } });
  }
}

/** True for DynamoDB's failed condition, whatever client (SDK, mock) raised it. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
