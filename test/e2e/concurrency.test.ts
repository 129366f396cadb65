/** Two `sci run` on one SCI_HOME at once keep separate, complete runs; `sci logs --follow` streams. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collect, runsOf, sandbox, sci, sciAsync, startSci, waitForRun, type RunJson } from './helpers.ts';

const box = sandbox({
  '.sci/one.yml': `
steps:
  a: { run: [sleep 1, echo one-a] }
  b: { needs: [a], run: echo one-b }
`,
  '.sci/two.yml': `
steps:
  x: { run: [sleep 1, echo two-x] }
  y: { needs: [x], matrix: { n: [1, 2] }, run: echo two-y }
`,
  '.sci/ticker.yml': `
steps:
  tick: { run: ['for i in 1 2 3; do echo "tick $i"; sleep 0.5; done'] }
`,
});
test.after(() => box.cleanup());

test('two sci run processes on one state home do not corrupt each other', async () => {
  const [first, second] = await Promise.all([
    collect(startSci(box, 'run', 'one', '--json')),
    collect(startSci(box, 'run', 'two', '--json')),
  ]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(second.code, 0, second.stderr);
  const one = runsOf(first.stdout)[0] as RunJson;
  const two = runsOf(second.stdout)[0] as RunJson;
  assert.notEqual(one.id, two.id);
  assert.deepEqual(
    one.steps.map((s) => s.status),
    ['succeeded', 'succeeded'],
  );
  assert.deepEqual(
    two.steps.map((s) => s.status),
    ['succeeded', 'succeeded', 'succeeded'],
  );
  const listed = runsOf(sci(box, 'runs', '--json').stdout);
  for (const run of [one, two])
    assert.deepEqual(
      listed.find((r) => r.id === run.id),
      run,
    );
});

test('sci logs --follow streams a running step until it ends', async () => {
  const running = collect(startSci(box, 'run', 'ticker', '--json'));
  const run = await waitForRun(box, (r) => r.pipeline === 'ticker' && r.steps[0]?.status === 'running');
  const followed = await sciAsync(box, 'logs', run.id, 'tick', '--follow');
  assert.equal(followed.code, 0);
  assert.match(followed.stdout, /tick 1\ntick 2\ntick 3\n/);
  assert.equal((await running).code, 0);
});
