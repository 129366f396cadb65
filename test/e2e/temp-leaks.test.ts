/**
 * Nothing a run makes in the temp directory outlives it: `sci run` gets a TMPDIR of its own (its
 * process steps inherit it), and the entries there are counted before and after runs whose pull
 * phase fetched artifacts, met a producer that kept none, and a run cancelled with Ctrl-C.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { collect, runsOf, sandbox, sci, startSci, step, waitForRun, type RunJson } from './helpers.ts';

const box = sandbox({
  '.sci/pull.yml': `
steps:
  build:
    run: [mkdir -p out, exit 3]
    artifacts: [out/**]
  kept:
    run: [mkdir -p logs, echo kept > logs/kept.txt]
    artifacts: [logs/**]
  cleanup:
    needs: [build, kept]
    if: always()
    run: ['grep -q kept logs/kept.txt', 'echo "upstream $SCI_RUN_STATUS"']
`,
  '.sci/slow.yml': `
steps:
  kept:
    run: [mkdir -p logs, echo kept > logs/kept.txt]
    artifacts: [logs/**]
  slow:
    needs: [kept]
    run: [echo started, sleep 120]
`,
});
const tmp = join(box.root, 'tmp');
mkdirSync(tmp);
box.env = { TMPDIR: tmp };
test.after(() => box.cleanup());

/** The temp directory's entries, less what tools cache there for good (tsx's compile cache). */
function tempEntries(): string[] {
  return readdirSync(tmp)
    .filter((name) => !name.startsWith('tsx-'))
    .sort();
}

test('runs that pull artifacts, or find none, leave nothing in TMPDIR', { timeout: 120_000 }, () => {
  assert.deepEqual(tempEntries(), []);
  const r = sci(box, 'run', 'pull', '--json', '--no-containers');
  assert.equal(r.code, 1, r.stderr);
  const [run] = runsOf(r.stdout) as [RunJson];
  assert.equal(step(run, 'cleanup').status, 'succeeded');
  assert.match(sci(box, 'logs', run.id, 'cleanup').stdout, /sci: build kept no artifacts/);
  assert.deepEqual(tempEntries(), []);
});

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
  assert.deepEqual(tempEntries(), []);
});
