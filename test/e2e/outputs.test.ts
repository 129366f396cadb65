/**
 * Step outputs through the real engine: NAME=value lines in $SCI_OUTPUT become
 * steps.X.outputs.Y in if/env/run of the steps after X (directly or not, across a Parallel),
 * as data (an injection attempt stays text), undeclared names ignored, oversize outputs fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runsOf, sandbox, sci, step, stepLog, type RunJson } from './helpers.ts';

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

test('outputs reach if, env and run of steps that need the producer (transitively), as data', () => {
  const r = sci(box, 'run', 'outputs', '--json');
  assert.equal(r.code, 0, r.stderr);
  const [run] = runsOf(r.stdout) as [RunJson];
  assert.equal(step(run, 'deploy').status, 'succeeded');
  assert.equal(step(run, 'wrong-version').status, 'skipped');
  assert.match(step(run, 'wrong-version').reason ?? '', /condition false/);
  const log = stepLog(box, run.id, 'deploy');
  assert.match(log, /deploying v1\.2\.3 1\.2\.3/);
  assert.match(log, /note=\$\(touch pwned\) and "quotes"/);
  assert.match(log, /undeclared=\[\]/);
});

test('an output over the size limit fails its step with the name and the size', () => {
  const r = sci(box, 'run', 'too-big', '--json');
  assert.equal(r.code, 1);
  const [run] = runsOf(r.stdout) as [RunJson];
  assert.equal(step(run, 'big').status, 'failed');
  assert.match(stepLog(box, run.id, 'big'), /output 'blob' is 5000 bytes, over the limit of 4096 bytes per output/);
});
