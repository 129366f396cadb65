/**
 * Nothing a cancelled run made in the temp directory outlives it: `sci run` gets a TMPDIR of its
 * own, and its entries are counted after a run is cancelled with Ctrl-C while a step that pulled
 * artifacts holds a temp file of its own (as the pull phase does mid-download: a process step's
 * TMPDIR is its workspace's, removed with it). (Runs that end: test/e2e/artifacts-fan-in.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { collect, sandbox, startSci, waitForRun } from './helpers.ts';

const box = sandbox({
  '.sci/slow.yml': `
steps:
  kept:
    run: [mkdir -p logs, echo kept > logs/kept.txt]
    artifacts: [logs/**]
  slow:
    needs: [kept]
    run: ['mktemp "$TMPDIR/in-flight-XXXXXX"', echo started, sleep 120]
`,
});
const tmp = join(box.root, 'tmp');
mkdirSync(tmp);
box.env = { TMPDIR: tmp };
test.after(() => box.cleanup());

test('a run cancelled with Ctrl-C leaves nothing in TMPDIR', { timeout: 120_000 }, async () => {
  const child = startSci(box, 'run', 'slow', '--no-containers');
  const ended = collect(child);
  await waitForRun(
    box,
    (run) => run.pipeline === 'slow' && run.steps.some((s) => s.name === 'slow' && s.status === 'running'),
  );
  child.kill('SIGINT');
  const r = await ended;
  assert.match(r.stderr, /cancelling/);
  // what tools cache there for good (tsx's compile cache) aside
  assert.deepEqual(
    readdirSync(tmp).filter((name) => !name.startsWith('tsx-')),
    [],
  );
});
