/** Retries count attempts; a timeout kills the step's whole process tree and reads `timed out`. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { processesMatching, runsOf, sandbox, sciAsync, step, stepLog, type RunJson } from './helpers.ts';

const box = sandbox({});
test.after(() => box.cleanup());
const marker = join(box.root, 'flaky-marker');

// The two runs share the state home (so that the survivors check sees the steps' workspaces) and nothing else;
// each mostly waits on its steps, so they run at the same time, as two `sci run` of one home may.
describe('retries and timeouts', { concurrency: true }, () => {
  test('a retried step succeeds on its second attempt', async () => {
    const flaky = `
steps:
  flaky:
    retry: 2
    run: ['if [ ! -e ${marker} ]; then touch ${marker}; echo first attempt fails; exit 1; fi', echo second attempt works]
`;
    const other = sandbox({ '.sci/flaky.yml': flaky });
    try {
      const r = await sciAsync({ ...other, home: box.home }, 'run', '--json');
      assert.equal(r.code, 0, r.stderr);
      const [run] = runsOf(r.stdout) as [RunJson];
      assert.equal(step(run, 'flaky').status, 'succeeded');
      assert.equal(step(run, 'flaky').attempts, 2);
      const log = stepLog({ ...other, home: box.home }, run.id, 'flaky');
      assert.match(log, /first attempt fails[\s\S]*second attempt works/);
    } finally {
      other.cleanup();
    }
  });

  test('a timeout kills the process tree (grandchildren too) and the step fails with reason timed out', {
    timeout: 120_000,
  }, async () => {
    // durations nobody else uses, so the survivors check cannot see another test's sleeps
    const slow = `
steps:
  slow:
    timeout: 2s
    run: ["bash -c 'sleep 371 & sleep 372 & wait'"]
  fast:
    run: echo fast
`;
    const other = sandbox({ '.sci/slow.yml': slow });
    try {
      const started = Date.now();
      const r = await sciAsync({ ...other, home: box.home }, 'run', '--json');
      assert.equal(r.code, 1);
      const [run] = runsOf(r.stdout) as [RunJson];
      assert.equal(step(run, 'slow').status, 'failed');
      assert.equal(step(run, 'slow').reason, 'timed out');
      assert.equal(step(run, 'fast').status, 'succeeded');
      // well under the sleeps' 371 s, with room for a loaded machine (the test gives up at 120 s)
      assert.ok(Date.now() - started < 110_000, 'the run did not wait for the sleeps');
      assert.deepEqual(processesMatching(box, 'sleep 37'), []);
    } finally {
      other.cleanup();
    }
  });
});
