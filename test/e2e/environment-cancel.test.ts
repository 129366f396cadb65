/**
 * A run cancelled while it holds an environment frees it: the next run that releases to the same
 * environment runs at once instead of waiting for a holder that will never come back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collect, runsOf, sandbox, sci, sciAsync, startSci, step, waitForRun, type RunJson } from './helpers.ts';

const box = sandbox({
  '.sci/hold.yml': 'steps:\n  deploy:\n    environment: shared\n    run: sleep 47\n',
  '.sci/next.yml': 'steps:\n  deploy:\n    environment: shared\n    run: echo next\n',
});
test.after(() => box.cleanup());

test('a cancelled run frees the environment it held; the next run takes it', async () => {
  const holding = collect(startSci(box, 'run', 'hold', '--json'));
  const run = await waitForRun(box, (r) => r.pipeline === 'hold' && r.steps.some((s) => s.status === 'running'));
  const cancelled = await sciAsync(box, 'cancel', run.id);
  assert.equal(cancelled.code, 0, cancelled.stderr);
  const [held] = runsOf((await holding).stdout) as [RunJson];
  assert.equal(step(held, 'deploy').status, 'cancelled');
  const next = sci(box, 'run', 'next', '--json');
  assert.equal(next.code, 0, next.stderr);
  assert.equal(step(runsOf(next.stdout)[0]!, 'deploy').status, 'succeeded');
});
