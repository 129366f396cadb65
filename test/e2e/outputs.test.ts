/**
 * Step outputs through the real engine: NAME=value lines in $SCI_OUTPUT become
 * steps.X.outputs.Y in if/env/run of the steps after X (directly or not, across a Parallel),
 * as data (an injection attempt stays text), undeclared names ignored, oversize outputs fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sandbox, sharedRun, step, stepLog } from './helpers.ts';

const box = sandbox({
  '.sci/outputs.yml': `
steps:
  build:
    outputs: [version, note]
    run:
      - echo "version=1.2.3" >> "$SCI_OUTPUT"
      - echo "undeclared=x" >> "$SCI_OUTPUT"
      - echo 'note=$(touch pwned) and "quotes"' >> "$SCI_OUTPUT"
  lint: { run: echo lint }
  test: { needs: [build], run: echo test }
  deploy:
    needs: [test, lint]
    if: steps.build.outputs.version == '1.2.3'
    env: { VERSION: "v\${{ steps.build.outputs.version }}" }
    run:
      - echo "deploying $VERSION \${{ steps.build.outputs.version }}"
      - echo "note=\${{ steps.build.outputs.note }}"
      - test ! -e pwned
      - echo "undeclared=[$SCI_OUT_undeclared]"
  wrong-version:
    needs: [deploy]
    if: steps.build.outputs.version == '9'
    run: echo never
`,
  '.sci/too-big.yml': `
steps:
  big:
    outputs: [blob]
    run: printf 'blob=%05000d\\n' 0 >> "$SCI_OUTPUT"
`,
});
test.after(() => box.cleanup());

/** Both pipelines' runs come from one `sci run` (exit 1: `too-big` fails), each test asserting its own. */
const runOf = sharedRun(box, 'outputs', 'too-big');

test('outputs reach if, env and run of steps that need the producer (transitively), as data', async () => {
  const { run, stderr } = await runOf('outputs');
  assert.equal(run.status, 'succeeded', stderr);
  assert.equal(step(run, 'deploy').status, 'succeeded');
  assert.equal(step(run, 'wrong-version').status, 'skipped');
  assert.match(step(run, 'wrong-version').reason ?? '', /condition false/);
  const log = stepLog(box, run.id, 'deploy');
  assert.match(log, /deploying v1\.2\.3 1\.2\.3/);
  assert.match(log, /note=\$\(touch pwned\) and "quotes"/);
  assert.match(log, /undeclared=\[\]/);
});

test('an output over the size limit fails its step with the name and the size', async () => {
  const { run, code } = await runOf('too-big');
  assert.equal(code, 1);
  assert.equal(run.status, 'failed');
  assert.equal(step(run, 'big').status, 'failed');
  assert.match(stepLog(box, run.id, 'big'), /output 'blob' is 5000 bytes, over the limit of 4096 bytes per output/);
});
