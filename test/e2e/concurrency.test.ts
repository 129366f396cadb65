/** Two `sci run` on one SCI_HOME at once keep separate, complete runs; `sci logs --follow` streams. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect, runsOf, sandbox, sci, startSci, waitForRun, type RunJson } from './helpers.ts';

// The ticker holds its step open until the test has a follower attached, however slow the machine.
const gate = mkdtempSync(join(tmpdir(), 'sci-e2e-gate-'));
const go = join(gate, 'go');
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
  tick: { run: ['echo "tick 1"; while [ ! -e ${go} ]; do sleep 0.1; done; echo "tick 2"; sleep 0.3; echo "tick 3"'] }
`,
});
test.after(() => {
  box.cleanup();
  rmSync(gate, { recursive: true, force: true });
});

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
  const follower = startSci(box, 'logs', run.id, 'tick', '--follow');
  const following = collect(follower);
  await new Promise<void>((attached) => {
    let seen = '';
    follower.stdout?.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes('tick 1')) attached();
    });
  });
  writeFileSync(go, '');
  const followed = await following;
  assert.equal(followed.code, 0);
  assert.match(followed.stdout, /tick 1\ntick 2\ntick 3\n/);
  assert.equal((await running).code, 0);
});
