/**
 * `aws-local-stepfunctions` v3 calls `Promise.withResolvers` (Node ≥ 22). Import this module
 * before loading the interpreter so it also runs on Node 20.
 */
interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const PromiseCtor = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };

if (typeof PromiseCtor.withResolvers !== 'function') {
  PromiseCtor.withResolvers = <T>(): Resolvers<T> => {
    let resolve!: Resolvers<T>['resolve'];
    let reject!: Resolvers<T>['reject'];
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

/**
 * Node's timers hold at most 2^31 - 1 ms (24.8 days); a longer delay fires after 1 ms. The
 * interpreter arms each Task's TimeoutSeconds with setTimeout, so a 30-day approval would time
 * out at once. A longer timeout is armed as a chain of shorter ones.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timeout armed as a chain of legs of at most `maxLegMs`; `clearTimeout` accepts it. */
export class LongTimeout {
  private leg: ReturnType<typeof setTimeout> | undefined;
  private referenced = true;

  constructor(callback: () => void, delayMs: number, maxLegMs: number, arm: typeof setTimeout = nativeSetTimeout) {
    const due = Date.now() + delayMs;
    const next = () => {
      const left = due - Date.now();
      if (left <= 0) return callback();
      this.leg = arm(next, Math.min(left, maxLegMs));
      if (!this.referenced) this.leg.unref();
    };
    this.leg = arm(next, Math.min(delayMs, maxLegMs));
  }

  clear(): void {
    if (this.leg) nativeClearTimeout(this.leg);
  }

  unref(): this {
    this.referenced = false;
    this.leg?.unref();
    return this;
  }

  ref(): this {
    this.referenced = true;
    this.leg?.ref();
    return this;
  }

  hasRef(): boolean {
    return this.referenced;
  }
}

const nativeSetTimeout = globalThis.setTimeout;
const nativeClearTimeout = globalThis.clearTimeout;

if (!(globalThis.setTimeout as { sciLong?: boolean }).sciLong) {
  const long = ((callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) =>
    typeof delay === 'number' && delay > MAX_TIMER_MS
      ? new LongTimeout(() => callback(...args), delay, MAX_TIMER_MS)
      : nativeSetTimeout(callback, delay, ...args)) as unknown as typeof setTimeout & { sciLong: boolean };
  long.sciLong = true;
  globalThis.setTimeout = long;
  globalThis.clearTimeout = ((handle: unknown) =>
    handle instanceof LongTimeout
      ? handle.clear()
      : nativeClearTimeout(handle as Parameters<typeof clearTimeout>[0])) as typeof clearTimeout;
}
