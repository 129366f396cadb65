/**
 * `sci run -j N`: a matrix of 6 one-second cells runs 2 at a time; the others stay `pending`
 * until a slot is free. Each cell notes its start and end (in ns) in a file of the state home,
 * outside the workspaces (a trusted step in a process sees the host's files): overlaps are exact.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runsOf, sandbox, sci } from './helpers.ts';

const box = sandbox({
  '.sci/ci.yml': `name: ci
on: { push: {} }
steps:
  cell:
    matrix: { n: [1, 2, 3, 4, 5, 6] }
    run: |
      echo "+1 $(date +%s%N)" >> "$CODEBUILD_SRC_DIR/../../../../spans"
      sleep 1
      echo "-1 $(date +%s%N)" >> "$CODEBUILD_SRC_DIR/../../../../spans"
`,
});
after(() => box.cleanup());

test('-j 2 runs at most 2 steps at once, and all of them', { timeout: 120_000 }, () => {
  const spans = join(box.home, 'spans'); // <home>/work/<run>/<step>/src/../../../..
  const r = sci(box, 'run', '-j', '2', '--json', '--no-containers');
  assert.equal(r.code, 0, r.stderr);
  const [run] = runsOf(r.stdout);
  assert.equal(run?.steps.length, 6);
  assert.ok(run!.steps.every((s) => s.status === 'succeeded'));
  // steps running at once, from the cells' own notes in time order
  const events = readFileSync(spans, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .sort((a, b) => Number(BigInt(a[1]!) - BigInt(b[1]!)));
  let running = 0;
  let most = 0;
  for (const [delta] of events) {
    running += Number(delta);
    most = Math.max(most, running);
  }
  assert.equal(events.length, 12);
  assert.equal(most, 2, events.join('\n'));
  const bad = sci(box, 'run', '-j', '0');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--jobs must be a positive integer, got '0'/);
});
