/**
 * The run context's base64 decoder (run-context.ts), run by a real bash and a real dash under
 * `set -eu`, against Node's own base64: every value, whatever its bytes, comes back as it went in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { DECODE_FUNCTION } from '../../../statemachines/compiler/run-context.ts';

const hostile = ['', '$(touch pwned)', '`id`', '"\'\\', 'a\nb\tc', '%s %b \\x41 \\c', '-n', '=', 'é✓😀'];
const values = [
  ...hostile,
  ...fc.sample(fc.string({ unit: 'binary', maxLength: 40 }), { numRuns: 300, seed: 7 }),
].filter((v) => !v.includes('\0'));

/** What `shell` (under `set -eu`) decodes each of `values` to. */
function decoded(shell: string[]): string[] {
  const script = [
    'set -eu',
    DECODE_FUNCTION,
    ...values.map((v) => `sci_b64 V ${Buffer.from(v).toString('base64')}; printf '%s\\0' "$V"`),
  ].join('\n');
  const r = spawnSync(shell[0]!, [...shell.slice(1), '-c', script], { env: { PATH: process.env.PATH, LC_ALL: 'C' } });
  assert.equal(r.status, 0, r.stderr.toString());
  return r.stdout.toString('utf8').split('\0').slice(0, -1);
}

test('bash decodes 300 random values (any Unicode, quotes, $(...), backslashes, newlines, empty) exactly', () => {
  assert.deepEqual(decoded(['bash', '--norc', '--noprofile']), values);
});

test('a POSIX sh (an image without bash) decodes them with base64 -d, which drops trailing newlines', () => {
  assert.deepEqual(
    decoded(['dash']),
    values.map((v) => v.replace(/\n+$/, '')),
  );
});
