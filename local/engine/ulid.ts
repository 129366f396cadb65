/** Run ids are ULIDs: time-ordered (newest-first listings sort by id too) and collision-free across processes. */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A 26-character ULID for time `now` (ms). */
export function newRunId(now: number = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i += 1) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = [...randomBytes(16)].map((b) => ALPHABET[b % 32]).join('');
  return time + random;
}
