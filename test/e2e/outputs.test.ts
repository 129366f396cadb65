/**
 * Values reach the shell as data. Step outputs through the real engine: NAME=value lines in $SCI_OUTPUT become
 * steps.X.outputs.Y in if/env/run of the steps after X (directly or not, across a Parallel), as data (an injection
 * attempt stays text), undeclared names ignored, oversize outputs fail. Event values and env values: an input
 * `a * b` inside `run` is printed as is (no glob, no word split), a `$(...)` in it is never run, and backslashes in
 * `env` values (`C:\temp\x`, `\n`, `\\`) are kept byte for byte, as the compiled ASL passes them.
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
  '.sci/manual.yml': `name: manual
on:
  manual:
    inputs:
      note: { type: string, default: "" }
env:
  WIN: 'C:\\temp\\x'
  ESCAPES: 'a\\nb\\\\c \\$HOME "q" ''s'' \`t\`'
steps:
  echo:
    run:
      - echo "note=[\${{ inputs.note }}]"
      - echo "win=[$WIN]"
      - printf 'esc=[%s]\\n' "$ESCAPES"
`,
  // files a glob of the input would match, were it expanded
  'a-file': 'x\n',
  'b-file': 'x\n',
  '.sci/too-big.yml': `
steps:
  big:
    outputs: [blob]
    run: printf 'blob=%05000d\\n' 0 >> "$SCI_OUTPUT"
`,
});
test.after(() => box.cleanup());

const note = 'a * b  c $(touch pwned) `id` ${HOME}';
/** The three pipelines' runs come from one `sci run` (exit 1: `too-big` fails), each test asserting its own. */
const runOf = sharedRun(box, 'outputs', 'too-big', 'manual', '--input', `note=${note}`);

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

test('an input with *, spaces and $(...) is printed as is; backslashes and quotes in env survive', async () => {
  const { run, stderr } = await runOf('manual');
  assert.equal(run.status, 'succeeded', stderr);
  const log = stepLog(box, run.id, 'echo');
  assert.ok(log.includes(`note=[${note}]`), log);
  assert.ok(log.includes('win=[C:\\temp\\x]'), log);
  assert.ok(log.includes(`esc=[a\\nb\\\\c \\$HOME "q" 's' \`t\`]`), log);
});
