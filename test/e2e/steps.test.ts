/**
 * One step's values and failures through the real engine, all from one `sci run`.
 * Values reach the shell as data. Step outputs: NAME=value lines in $SCI_OUTPUT become steps.X.outputs.Y in
 * if/env/run of the steps after X (directly or not, across a Parallel), as data (an injection attempt stays text),
 * undeclared names ignored, oversize outputs fail. Event values and env values: an input `a * b` inside `run` is
 * printed as is (no glob, no word split), a `$(...)` in it is never run, and backslashes in `env` values
 * (`C:\temp\x`, `\n`, `\\`) are kept byte for byte, as the compiled ASL passes them.
 * Retries count attempts; a timeout kills the step's whole process tree and reads `timed out`.
 */
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
  '.sci/too-big.yml': `
steps:
  big:
    outputs: [blob]
    run: printf 'blob=%05000d\\n' 0 >> "$SCI_OUTPUT"
`,
});
test.after(() => {
  box.cleanup();
  rmSync(flags, { recursive: true, force: true });
});

const note = 'a * b  c $(touch pwned) `id` ${HOME}';
/**
 * The five pipelines' runs come from one `sci run` (exit 1: `too-big` and `slow` fail), each test asserting its own:
 * they share nothing but the state home, and a `sci run` process costs ≈ 1 s of CPU.
 */
const runOf = sharedRun(box, 'outputs', 'too-big', 'manual', 'flaky', 'slow', '--input', `note=${note}`);

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
