/**
 * The in-process stand-in for SQS under `sci serve`: items are accepted at once and handled by
 * at most `concurrency` workers, so a burst of pushes queues instead of forking hundreds of builds.
 */
export class WorkQueue<T> {
  private readonly waiting: T[] = [];
  private active = 0;
  private idle: Array<() => void> = [];

  constructor(
    private readonly handle: (item: T) => Promise<void>,
    private readonly concurrency: number,
    private readonly onError: (item: T, error: unknown) => void,
  ) {}

  push(item: T): void {
    this.waiting.push(item);
    this.pump();
  }

  /** Items accepted and not handled yet (waiting or being handled). */
  get size(): number {
    return this.waiting.length + this.active;
  }

  /** Resolves once every accepted item has been handled. */
  drained(): Promise<void> {
    if (this.active === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.active < this.concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift() as T;
      this.active += 1;
      this.handle(next)
        .catch((error: unknown) => this.onError(next, error))
        .finally(() => {
          this.active -= 1;
          this.pump();
          if (this.active === 0 && this.waiting.length === 0) for (const resolve of this.idle.splice(0)) resolve();
        });
    }
  }
}
