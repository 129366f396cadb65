/**
 * How many builds of one engine run at once (`sci run -j N`, default the core count): a matrix of
 * 225 cells starts N processes, and the others wait, `pending` in the store, for a free slot in
 * the order they asked. A build waiting for a slot leaves when its execution is aborted.
 */
import { availableParallelism } from 'node:os';

export class BuildSlots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number = availableParallelism()) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`build slots must be a positive integer, got ${size}`);
    this.free = size;
  }

  /** Resolves with the function that frees the slot once one is free; rejects when `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(new Error('aborted while waiting for a build slot'));
    const release = this.releaser();
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const granted = () => {
        signal.removeEventListener('abort', onAbort);
        resolve(release);
      };
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(granted), 1);
        reject(new Error('aborted while waiting for a build slot'));
      };
      this.waiting.push(granted);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Frees the slot once, handing it to the longest waiter if there is one. */
  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    };
  }
}
