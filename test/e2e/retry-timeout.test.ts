/** Retries count attempts; a timeout kills the step's whole process tree and reads `timed out`. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processesMatching, sandbox, sharedRun, step, stepLog } from './helpers.ts';

// outside the repository and the state home: the first attempt's note that the second reads
const flags = mkdtempSync(join(tmpdir(), 'sci-flaky-'));
const marker = join(flags, 'flaky-marker');
const box = sandbox({
  '.sci/flaky.yml': `
steps:
  flaky:
    retry: 2
    run: ['if [ ! -e ${marker} ]; then touch ${marker}; echo first attempt fails; exit 1; fi', echo second attempt works]
`,
  // durations nobody else uses, so the survivors check cannot see another test's sleeps
  '.sci/slow.yml': `
steps:
  slow:
    timeout: 2s
    run: ["bash -c 'sleep 371 & sleep 372 & wait'"]
  fast:
    run: echo fast
`,
});
test.after(() => {
  box.cleanup();
  rmSync(flags, { recursive: true, force: true });
});

/**
 * The two pipelines' runs come from one `sci run` (exit 1: `slow` fails), each test asserting its own: they share
 * nothing but the state home, and each mostly waits on its steps.
 */
const runOf = sharedRun(box, 'flaky', 'slow');

describe('retries and timeouts', { concurrency: true }, () => {
  test('a retried step succeeds on its second attempt', async () => {
    const { run, stderr } = await runOf('flaky');
    assert.equal(run.status, 'succeeded', stderr);
    assert.equal(step(run, 'flaky').status, 'succeeded');
    assert.equal(step(run, 'flaky').attempts, 2);
    assert.match(stepLog(box, run.id, 'flaky'), /first attempt fails[\s\S]*second attempt works/);
  });

  test('a timeout kills the process tree (grandchildren too) and the step fails with reason timed out', {
    timeout: 120_000,
  }, async () => {
    const started = Date.now();
    const { run, code } = await runOf('slow');
    assert.equal(code, 1);
    assert.equal(step(run, 'slow').status, 'failed');
    assert.equal(step(run, 'slow').reason, 'timed out');
    assert.equal(step(run, 'fast').status, 'succeeded');
    // well under the sleeps' 371 s, with room for a loaded machine (the test gives up at 120 s)
    assert.ok(Date.now() - started < 110_000, 'the run did not wait for the sleeps');
    assert.deepEqual(processesMatching(box, 'sleep 37'), []);
  });
});
