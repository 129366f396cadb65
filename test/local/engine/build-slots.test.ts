import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BuildSlots } from '../../../local/engine/build-slots.ts';

test('225 builds on 4 slots: never more than 4 at once, all of them run, in the order they asked', async () => {
  const slots = new BuildSlots(4);
  const signal = new AbortController().signal;
  let running = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 225 }, async (_, i) => {
      const release = await slots.acquire(signal);
      order.push(i);
      running += 1;
      most = Math.max(most, running);
      await sleep(1);
      running -= 1;
      release();
      release(); // a second call frees nothing more
    }),
  );
  assert.equal(most, 4);
  assert.deepEqual(
    order,
    Array.from({ length: 225 }, (_, i) => i),
  );
});

test('a build waiting for a slot leaves when its run is aborted; the slot goes to the next one', async () => {
  const slots = new BuildSlots(1);
  const release = await slots.acquire(new AbortController().signal);
  const cancelled = new AbortController();
  const waiting = slots.acquire(cancelled.signal);
  const next = slots.acquire(new AbortController().signal);
  cancelled.abort();
  await assert.rejects(waiting, /aborted while waiting for a build slot/);
  release();
  const got = await next;
  got();
  await assert.rejects(slots.acquire(AbortSignal.abort()), /aborted/);
  assert.throws(() => new BuildSlots(0), RangeError);
});
