/** A `pipeline:` step runs its callee as a child run; a step's cache survives into the next run. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runsOf, sandbox, sci, sharedRun, step, stepLog, type RunJson } from './helpers.ts';

const box = sandbox({
  '.sci/ci.yml': `
on: { push: {} }
steps:
  build: { run: echo build }
  deploy:
    needs: [build]
    pipeline: { name: deploy/prod, inputs: { target: prod } }
`,
  '.sci/deploy/prod.yml': `
on: { manual: { inputs: { target: { type: string, default: staging } } } }
steps:
  ship: { run: 'echo "shipping to $SCI_INPUT_TARGET"' }
`,
  '.sci/cached.yml': `
on: { manual: {} }
steps:
  warm:
    cache: { key: "deps-\${{ branch }}", paths: [~/.deps] }
    run: ['if [ -f ~/.deps/marker ]; then echo "cache hit: $(cat ~/.deps/marker)"; else echo cache miss; mkdir -p ~/.deps; echo first > ~/.deps/marker; fi']
`,
});
test.after(() => box.cleanup());

/**
 * `ci` and the first run of `cached`, both from one `sci run` (they share nothing but the state home): a `sci run`
 * process per test cost ≈ 1 s of CPU more.
 */
const runOf = sharedRun(box, 'ci', 'cached');
async function firstRun(pipeline: string): Promise<RunJson> {
  const { code, stdout, stderr, run } = await runOf(pipeline);
  assert.equal(code, 0, stdout + stderr);
  return run;
}

test('a pipeline step runs the callee as a child run with the given inputs', async () => {
  const parent = await firstRun('ci');
  assert.equal(step(parent, 'deploy').status, 'succeeded');
  const child = runsOf(sci(box, 'runs', '--json').stdout).find((x) => x.pipeline === 'deploy/prod');
  assert.ok(child, 'the callee has its own run');
  assert.equal(child.status, 'succeeded');
  assert.ok(child.id.startsWith(parent.id), `${child.id} is named after ${parent.id}`);
  assert.match(stepLog(box, child.id, 'ship'), /shipping to prod/);
});

test('a cache saved by one run is restored in the next', async () => {
  const first = await firstRun('cached');
  const second = runsOf(sci(box, 'run', 'cached', '--json').stdout)[0] as RunJson;
  assert.match(stepLog(box, first.id, 'warm'), /cache miss/);
  assert.match(stepLog(box, second.id, 'warm'), /cache hit: first/);
});
