import { createHash } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A run id derived from what triggered it (delivery GUID, schedule invocation, API request)
 * and the pipeline: a retried dispatcher computes the same id, so the store's conditional
 * create and StartExecution's name both refuse a second run. 26 Crockford base-32 chars,
 * the shape of a ULID, valid as an execution name.
 */
export function runIdFor(seed: string, pipelineId: string): string {
  const digest = createHash('sha256').update(`${seed}\0${pipelineId}`).digest();
  let out = '';
  for (let i = 0; i < 26; i += 1) {
    const bit = i * 5;
    const byte = bit >> 3;
    const value = (((digest[byte] ?? 0) << 8) | (digest[byte + 1] ?? 0)) >> (11 - (bit & 7));
    out += CROCKFORD[value & 31];
  }
  return out;
}
