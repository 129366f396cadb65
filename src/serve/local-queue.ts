/**
 * The in-process stand-in for SQS under `sci serve`: deliveries are accepted at once and handled
 * by at most `concurrency` workers, so a burst of pushes queues instead of forking hundreds of builds.
 */
import type { DeliveryQueue, QueuedDelivery } from '../core/ports.ts';

export class LocalDeliveryQueue implements DeliveryQueue {
  private readonly waiting: QueuedDelivery[] = [];
  private active = 0;
  private idle: Array<() => void> = [];

  constructor(
    private readonly handle: (delivery: QueuedDelivery) => Promise<void>,
    private readonly concurrency = 2,
    private readonly onError: (delivery: QueuedDelivery, error: unknown) => void = () => undefined,
  ) {}

  async enqueue(delivery: QueuedDelivery): Promise<void> {
    this.waiting.push(delivery);
    this.pump();
  }

  /** Resolves once every accepted delivery has been handled. */
  drained(): Promise<void> {
    if (this.active === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.active < this.concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift() as QueuedDelivery;
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
