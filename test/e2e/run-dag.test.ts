/**
 * `sci run` end to end on temporary repositories: exact DAG scheduling, failure/skip/always,
 * allow_failure, matrix, artifacts and fresh workspaces (never the user's dirty tree).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ms, runsOf, sandbox, sci, sharedRun, step, stepLog, type RunJson } from './helpers.ts';

const box = sandbox({
  '.sci/dag.yml': `
steps:
  a: { run: [sleep 1, echo a] }
  b: { run: [sleep 2, echo b] }
  c: { needs: [a], run: echo c }
  d: { needs: [a, b], run: echo d }
`,
  '.sci/failing.yml': `
steps:
  ok: { run: echo fine }
  bad: { run: [echo about to fail, exit 7] }
  after-bad: { needs: [bad], run: echo never }
  cleanup: { needs: [bad], if: always(), run: 'echo "upstream was $SCI_RUN_STATUS"' }
  on-failure: { needs: [bad], if: failure(), run: echo handling }
`,
  '.sci/tolerant.yml': `
steps:
  optional: { allow_failure: true, run: exit 1 }
  main: { run: echo main }
  after: { needs: [optional, main], run: echo after }
`,
  '.sci/build.yml': `
steps:
  make:
    run: [mkdir -p out, 'echo "built from $(cat tracked.txt)" > out/app.txt', echo scratch > scratch.txt]
    artifacts: [out/**]
  check:
    needs: [make]
    matrix: { n: [1, 2] }
    run: ['grep -q "built from committed" out/app.txt', 'test ! -e scratch.txt', 'test ! -e untracked.txt', 'echo cell \${{ matrix.n }}']
  lonely:
    run: ['test ! -e out/app.txt', 'grep -q committed tracked.txt']
`,
  'tracked.txt': 'committed\n',
});
test.after(() => box.cleanup());

// the user's working tree is dirty: steps must see the commit, not this
writeFileSync(join(box.repo, 'tracked.txt'), 'dirty\n');
writeFileSync(join(box.repo, 'untracked.txt'), 'not committed\n');

test('a step starts when its needs end and waits for nothing else (N shape)', () => {
  const r = sci(box, 'run', 'dag', '--json');
  assert.equal(r.code, 0, r.stderr);
  const [run] = runsOf(r.stdout) as [RunJson];
  assert.equal(run.status, 'succeeded');
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => step(run, n));
  // c needs only a (1 s); b takes 2 s: c must not wait for b
  assert.ok(ms(c!.startedAt) < ms(b!.endedAt), `c started ${c!.startedAt}, b ended ${b!.endedAt}`);
  assert.ok(ms(c!.startedAt) >= ms(a!.endedAt));
  assert.ok(ms(c!.startedAt) - ms(a!.endedAt) < 900, `c waited ${ms(c!.startedAt) - ms(a!.endedAt)} ms after a`);
  assert.ok(ms(d!.startedAt) >= ms(b!.endedAt));
});

/**
 * The runs of `failing`, `tolerant` and `build` come from one `sci run` (exit 1: `failing` fails), each test asserting
 * its own; the timed DAG above runs alone.
 */
const runOf = sharedRun(box, 'failing', 'tolerant', 'build');

test('failure skips dependants unless their if says otherwise; allow_failure keeps the run green', async () => {
  const { run: failing, code } = await runOf('failing');
  const { run: tolerant } = await runOf('tolerant');
  assert.equal(code, 1, 'one run failed');
  assert.equal(failing.status, 'failed');
  const statuses = Object.fromEntries(failing.steps.map((s) => [s.name, s.status]));
  assert.deepEqual(statuses, {
    ok: 'succeeded',
    bad: 'failed',
    'after-bad': 'skipped',
    cleanup: 'succeeded',
    'on-failure': 'succeeded',
  });
  assert.equal(tolerant.status, 'succeeded');
  assert.equal(step(tolerant, 'optional').status, 'failed');
  assert.equal(step(tolerant, 'after').status, 'succeeded');
  assert.match(stepLog(box, failing.id, 'cleanup'), /upstream was failed/);
});

test('matrix cells are separate steps; artifacts reach dependants; workspaces are fresh checkouts of the commit', async () => {
  const { run, stdout, stderr } = await runOf('build');
  assert.equal(run.status, 'succeeded', `${stdout}\n${stderr}`);
  assert.deepEqual(
    run.steps.map((s) => [s.name, s.status]),
    [
      ['make', 'succeeded'],
      ['check (n=1)', 'succeeded'],
      ['check (n=2)', 'succeeded'],
      ['lonely', 'succeeded'],
    ],
  );
  const logs = sci(box, 'logs', run.id, 'check (n=2)');
  assert.match(logs.stdout, /cell 2/);
  // what `sci logs` prints to a pipe is the step's log file as it is: the tests whose subject is what a step
  // printed read that file (`stepLog`), not the command
  assert.equal(logs.stdout, stepLog(box, run.id, 'check_n_2'));
});

test('the JSON shape of a run is the contract', () => {
  const r = sci(box, 'runs', '--json');
  // the run of `build` (the three runs started by one `sci run` have no fixed order among them)
  const latest = runsOf(r.stdout).find((x) => x.pipeline === 'build');
  assert.ok(latest, r.stdout + r.stderr);
  assert.deepEqual(Object.keys(latest), [
    'id',
    'pipeline',
    'status',
    'startedAt',
    'endedAt',
    'steps',
    'cost',
    'attempt',
  ]);
  // the dashboard issue adds what the run costs (locally: what it would cost on AWS)
  const { cost } = latest as RunJson & { cost: { usd: number; transitions: number | null; buildSeconds: number } };
  assert.deepEqual(Object.keys(cost), ['usd', 'transitions', 'buildSeconds']);
  assert.ok(cost.usd > 0 && (cost.transitions ?? 0) > 0, JSON.stringify(cost));
  for (const s of latest.steps) {
    assert.deepEqual(
      Object.keys(s).filter((k) => k !== 'reason'),
      ['name', 'status', 'attempts', 'startedAt', 'endedAt'],
    );
    assert.match(String(s.endedAt), /^\d{4}-\d\d-\d\dT/);
  }
});
