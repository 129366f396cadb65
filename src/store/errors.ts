/**
 * Runtime failures of the run store: one base class with a stable `code` and a `name` per kind,
 * so callers print one line, never a stack trace (the API's control use case tells a missing
 * step from a conflict by `name`).
 */
export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    /** Stable, machine-readable. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class RunNotFoundError extends StoreError {
  override name = 'RunNotFoundError';
  constructor(readonly runId: string) {
    super('run-not-found', `run ${runId} not found`);
  }
}

export class StepNotFoundError extends StoreError {
  override name = 'StepNotFoundError';
  constructor(
    readonly runId: string,
    readonly key: string,
  ) {
    super('step-not-found', `step ${key} of run ${runId} not found`);
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
    super('approval-not-waiting', `step ${key} of run ${runId} is ${status}, not waiting for an approval`);
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
    super('approval-already-decided', `step ${key} of run ${runId} was already ${decision} by ${by}`);
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
    super('store-unavailable', message, options);
  }
}

/** True for DynamoDB's failed condition, whatever client (SDK, mock) raised it. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
