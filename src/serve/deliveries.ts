/**
 * Delivery de-duplication for `sci serve` in two layers: the HTTP answer consults an in-memory
 * set (so a burst is answered at loopback speed, not at the embedded store's write rate), and the
 * queue worker records each delivery durably in the local store before dispatching it, so a
 * redelivery after a restart still starts nothing.
 */
import type { QueuedDelivery, RunStore } from '../core/ports.ts';

/** The ingress's `recordDelivery`, answered from memory for this process's lifetime. */
export class RecentDeliveries implements Pick<RunStore, 'recordDelivery'> {
  private readonly seen = new Set<string>();

  async recordDelivery(hookId: string, guid: string): Promise<boolean> {
    const key = `${hookId}#${guid}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }
}

/** True when `delivery` was not recorded in the durable store before (first time seen). */
export function firstTime(store: Pick<RunStore, 'recordDelivery'>, delivery: QueuedDelivery): Promise<boolean> {
  return store.recordDelivery(delivery.hookId, delivery.deliveryId, {
    event: delivery.event,
    receivedAt: delivery.receivedAt,
  });
}
