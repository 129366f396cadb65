/**
 * Errors a task override throws. The interpreter matches `Retry`/`Catch` on `error.name`, so the
 * name is the ASL error name (`States.TaskFailed`, `DynamoDB.ConditionalCheckFailedException`,
 * `sci.Rejected`) and the message becomes the `Cause`.
 */
export class TaskError extends Error {
  constructor(aslName: string, cause: string) {
    super(cause);
    this.name = aslName;
  }
}
