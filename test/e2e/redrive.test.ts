/**
 * `sci redrive` through the real CLI on a temporary git repository: a failed run resumes at its
 * failed step and what it skipped; the step that succeeded is not run again, yet its outputs and
 * artifacts reach the steps that run again; the run's attempt goes up, and only a failed or
 * cancelled run can be redriven; a pipeline split into a root and parts resumes the same way.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runsOf, sandbox, sci, sharedRun, step, stepLog, type RunJson } from './helpers.ts';

// outside the repository: what the steps count and the switch that makes `test` pass
const flags = mkdtempSync(join(tmpdir(), 'sci-redrive-'));
/** 80 KB of comment per command: the 14 steps of big.yml make a definition over 1 MB, split into parts. */
const long = `true # ${'x'.repeat(80_000)}`;
const box = sandbox({
  '.sci/big.yml': `
steps:
  first: { run: "echo run >> ${flags}/first-runs && ${long}" }
  cells: { needs: [first], matrix: { n: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] }, run: "echo run >> ${flags}/cell-runs && ${long}" }
  last: { needs: [cells], run: "test -e ${flags}/big-fixed && ${long}" }
`,
  '.sci/ship.yml': `
steps:
  build:
    outputs: [version]
    artifacts: [dist/**]
    run:
      - echo run >> ${flags}/build-runs
      - mkdir -p dist && echo bundle > dist/app.txt
      - echo "version=1.2.3" >> "$SCI_OUTPUT"
  lint: { run: echo lint }
  test:
    needs: [build]
    run: test -e ${flags}/fixed
  deploy:
    needs: [build, test, lint]
    run:
      - echo "deploying \${{ steps.build.outputs.version }} $(cat dist/app.txt)"
      - test "$(cat dist/app.txt)" = bundle
`,
});
test.after(() => {
  box.cleanup();
  rmSync(flags, { recursive: true, force: true });
});

type Attempted = RunJson & { attempt: number };

/** A run that succeeded (redriven by a test above), for the refusal below. */
let succeeded: string | undefined;

/**
 * The first runs of `ship` and `big`, both from one `sci run` (each fails at its own step, and they share nothing but
 * the state home): a `sci run` process per test cost ≈ 1 s of CPU more. Each test redrives its own run.
 */
const runOf = sharedRun(box, 'ship', 'big', '--no-containers');
async function firstRun(pipeline: string): Promise<{ code: number | null; stderr: string; failed: Attempted }> {
  const { code, stderr, run } = await runOf(pipeline);
  return { code, stderr, failed: run as Attempted };
}

test('a failed run resumes at its failed steps; succeeded ones are not run again', async () => {
  const first = await firstRun('ship');
  assert.equal(first.code, 1, first.stderr);
  const { failed } = first;
  assert.deepEqual(
    failed.steps.map((s) => [s.name, s.status]),
    [
      ['build', 'succeeded'],
      ['lint', 'succeeded'],
      ['test', 'failed'],
      ['deploy', 'skipped'],
    ],
  );
  assert.equal(failed.attempt, 1);

  writeFileSync(join(flags, 'fixed'), '');
  const again = sci(box, 'redrive', failed.id, '--json', '--no-containers');
  assert.equal(again.code, 0, again.stderr + again.stdout);
  const [redriven] = runsOf(again.stdout) as [Attempted];
  assert.equal(redriven.id, failed.id);
  assert.equal(redriven.status, 'succeeded');
  assert.equal(redriven.attempt, 2);
  assert.deepEqual(
    redriven.steps.map((s) => [s.name, s.status]),
    [
      ['build', 'succeeded'],
      ['lint', 'succeeded'],
      ['test', 'succeeded'],
      ['deploy', 'succeeded'],
    ],
  );
  // build ran once, and kept its first attempt's record; test ran twice
  assert.equal(readFileSync(join(flags, 'build-runs'), 'utf8'), 'run\n');
  assert.deepEqual(step(redriven, 'build'), step(failed, 'build'));
  assert.equal(step(redriven, 'test').attempts, 2);
  assert.match(stepLog(box, failed.id, 'deploy'), /deploying 1\.2\.3 bundle/);
  assert.ok(
    (redriven as unknown as { cost: { transitions: number } }).cost.transitions >
      (failed as unknown as { cost: { transitions: number } }).cost.transitions,
  );
});

test('a split pipeline (a root and parts) resumes the same way: the steps its parts ran are carried', async () => {
  const first = await firstRun('big');
  assert.equal(first.code, 1, first.stderr);
  const { failed } = first;
  assert.deepEqual(
    failed.steps.filter((s) => s.status !== 'succeeded').map((s) => [s.name, s.status]),
    [['last', 'failed']],
  );
  writeFileSync(join(flags, 'big-fixed'), '');
  const again = sci(box, 'redrive', failed.id, '--json', '--no-containers');
  assert.equal(again.code, 0, again.stderr + again.stdout);
  const [redriven] = runsOf(again.stdout) as [Attempted];
  assert.equal(redriven.status, 'succeeded');
  assert.equal(redriven.attempt, 2);
  // the twelve cells run in parts: each ran once
  assert.equal(readFileSync(join(flags, 'cell-runs'), 'utf8'), 'run\n'.repeat(12));
  assert.equal(readFileSync(join(flags, 'first-runs'), 'utf8'), 'run\n');
  succeeded = redriven.id;
});

test('only a failed or cancelled run can be redriven, and an unknown run is an error', () => {
  assert.ok(succeeded, 'a run redriven to success by the tests above');
  const refused = sci(box, 'redrive', succeeded);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /succeeded: only a failed or cancelled run can be redriven/);
  const unknown = sci(box, 'redrive', 'nope');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no run nope/);
  const usage = sci(box, 'redrive');
  assert.equal(usage.code, 2);
  const help = sci(box, 'redrive', '--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /usage: sci redrive RUN/);
});
