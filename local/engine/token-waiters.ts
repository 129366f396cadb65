/**
 * Task tokens of the `.waitForTaskToken` tasks waiting in this process. A DAG gate is released
 * by `sendTaskSuccess` from another branch of the same execution, so an in-process registry is
 * the local stand-in for Step Functions' token service.
 */
import { randomUUID } from 'node:crypto';
import { TaskError } from './errors.ts';

interface Waiter {
  resolve(output: unknown): void;
  reject(error: Error): void;
}

export class TokenWaiters {
  private readonly waiters = new Map<string, Waiter>();

  /** A fresh token and the promise its release settles. */
  issue(): { token: string; settled: Promise<unknown>; cancel(): void } {
    const token = `local-token-${randomUUID()}`;
    const settled = new Promise<unknown>((resolve, reject) => this.waiters.set(token, { resolve, reject }));
    return { token, settled, cancel: () => this.waiters.delete(token) };
  }

  /** `sendTaskSuccess`; throws `Sfn.TaskDoesNotExist` for a token nobody waits on. */
  succeed(token: string, output: unknown): void {
    this.take(token).resolve(output);
  }

  /** `sendTaskFailure`. */
  fail(token: string, error: string, cause: string): void {
    this.take(token).reject(new TaskError(error, cause));
  }

  private take(token: string): Waiter {
    const waiter = this.waiters.get(token);
    if (!waiter) throw new TaskError('Sfn.TaskDoesNotExistException', `task token ${token} is not waiting`);
    this.waiters.delete(token);
    return waiter;
  }
}
