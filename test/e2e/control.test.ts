/**
 * Acting on a run from another process: approve, reject, cancel; Ctrl-C on `sci run`; and crash
 * recovery after SIGKILL. Each `sci run` here is a background process, each action a second one.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import {
  collect,
  killMatching,
  pidsMatching,
  processesMatching,
  runsOf,
  sandbox,
  sciAsync,
  sharedRun,
  startSci,
  step,
  waitForRun,
  type RunJson,
} from './helpers.ts';

const SHIP = `
steps:
  build: { run: echo built }
  gate:
    needs: [build]
    approval: { message: "Ship it?" }
  deploy: { needs: [gate], run: echo deployed }
`;
const box = sandbox({
  // approved by one test, rejected by the other
  '.sci/ship.yml': SHIP,
  '.sci/refused.yml': SHIP,
  '.sci/long.yml': `
steps:
  forever: { run: ["bash -c 'sleep 381 & sleep 382 & wait'"] }
  quick: { run: echo quick }
`,
  '.sci/grouped.yml': `
concurrency: { group: one-at-a-time }
steps:
  hold: { run: ["sleep 384.5"] }
`,
  '.sci/crash.yml': `
steps:
  forever: { run: ["sleep 300.4170 & bash -c 'sleep 300.4171; true' & wait"] }
`,
});
test.after(() => box.cleanup());

const waiting = (pipeline: string) => (run: RunJson) =>
  run.pipeline === pipeline &&
  run.status === 'running' &&
  run.steps.some((s) => s.name === 'gate' && s.status === 'waiting');
// `quick` has ended too: a cancel after that must leave it succeeded (under load it can end after `forever` starts)
const sleeping = (run: RunJson) =>
  run.pipeline === 'long' &&
  run.status === 'running' &&
  run.steps.some((s) => s.name === 'forever' && s.status === 'running') &&
  run.steps.some((s) => s.name === 'quick' && s.status === 'succeeded');

/**
 * The runs approved and rejected come from one `sci run` (exit 1: the rejected run fails), started by the first test
 * that asks; the two tests wait for their gates at the same time, each deciding its own. A test that fails before its
 * decision leaves the other's process waiting: the timeouts end them.
 */
const runOf = sharedRun(box, 'ship', 'refused');

describe('approvals', { concurrency: true, timeout: 120_000 }, () => {
  test('an approval waits for sci approve from another process', async () => {
    const ended = runOf('ship');
    const run = await waitForRun(box, waiting('ship'));
    const approved = await sciAsync(box, 'approve', run.id, 'gate');
    assert.equal(approved.code, 0, approved.stderr);
    const { run: final, stderr } = await ended;
    assert.equal(final.status, 'succeeded', stderr);
    assert.deepEqual(
      final.steps.map((s) => s.status),
      ['succeeded', 'succeeded', 'succeeded'],
    );
    // a decided step cannot be decided again
    const again = await sciAsync(box, 'reject', run.id, 'gate');
    assert.equal(again.code, 1, again.stderr);
  });

  test('sci reject fails the approval and skips what needs it', async () => {
    const ended = runOf('refused');
    const run = await waitForRun(box, waiting('refused'));
    assert.equal((await sciAsync(box, 'reject', run.id, 'gate')).code, 0);
    const { run: final, code } = await ended;
    assert.equal(code, 1);
    assert.equal(step(final, 'gate').status, 'failed');
    assert.match(step(final, 'gate').reason ?? '', /reject/i);
    assert.equal(step(final, 'deploy').status, 'skipped');
  });
});

test('sci cancel from another process stops the run and kills its processes', async () => {
  const running = collect(startSci(box, 'run', 'long', '--json'));
  const run = await waitForRun(box, sleeping);
  const cancelled = await sciAsync(box, 'cancel', run.id);
  assert.equal(cancelled.code, 0, cancelled.stderr);
  assert.match(cancelled.stdout, /cancelled/);
  const done = await running;
  assert.equal(done.code, 1);
  const [final] = runsOf(done.stdout) as [RunJson];
  assert.equal(final.status, 'cancelled');
  assert.equal(step(final, 'forever').status, 'cancelled');
  assert.equal(step(final, 'quick').status, 'succeeded');
  assert.deepEqual(processesMatching(box, 'sleep 38'), []);
});

test('a run waiting in its concurrency group: sci cancel ends it at once with its status; behind a holder killed with SIGKILL its own sci run ends that run and starts it, with no other command', async (t) => {
  t.after(() => {
    killMatching(box, 'sleep 384.5');
  });
  const holding = startSci(box, 'run', 'grouped', '--json');
  const held = collect(holding);
  await waitForRun(
    box,
    (r) => r.pipeline === 'grouped' && r.steps.some((s) => s.name === 'hold' && s.status === 'running'),
  );
  const waitingRun = (except?: string) =>
    waitForRun(box, (r) => r.pipeline === 'grouped' && r.status === 'queued' && r.id !== except);
  // a waiting run has no process to ask: sci cancel ends it, takes it out of the queue, posts its end
  const first = collect(startSci(box, 'run', 'grouped', '--json'));
  const cancelledWaiter = await waitingRun();
  const cancelled = await sciAsync(box, 'cancel', cancelledWaiter.id);
  assert.equal(cancelled.code, 0, cancelled.stderr);
  assert.match(cancelled.stdout, /^sci\/grouped error at [0-9a-f]{7}: cancelled: cancelled by .+ while waiting$/m);
  assert.match(cancelled.stdout, new RegExp(`^cancelled run ${cancelledWaiter.id} \\(it had not started\\)$`, 'm'));
  const gaveUp = await first;
  assert.equal(gaveUp.code, 1, gaveUp.stderr);
  assert.deepEqual(
    runsOf(gaveUp.stdout).map((r) => [r.id, r.status]),
    [[cancelledWaiter.id, 'cancelled']],
  );
  // the holder's process is killed: the waiting run's own sci run, with no other command run, finds
  // the holder abandoned (crash recovery ends it and its step), whose end hands it the group, and starts it
  const second = collect(startSci(box, 'run', 'grouped', '--json'));
  const waiter = await waitingRun(cancelledWaiter.id);
  const pidsOf = () => pidsMatching(box, 'sleep 384.5');
  const holderSteps = pidsOf();
  assert.equal(holderSteps.length, 1);
  holding.kill('SIGKILL');
  await held;
  for (const deadline = Date.now() + 60_000; ; await sleep(250)) {
    const now = pidsOf();
    if (now.length === 1 && now[0] !== holderSteps[0]) break;
    assert.ok(Date.now() < deadline, `the waiting run did not start by itself: ${now.join(' ')}`);
  }
  const started = await waitForRun(
    box,
    (r) => r.id === waiter.id && r.steps.some((s) => s.name === 'hold' && s.status === 'running'),
  );
  assert.equal(started.status, 'running');
  assert.equal((await sciAsync(box, 'cancel', waiter.id)).code, 0);
  const done = await second;
  assert.deepEqual(
    runsOf(done.stdout).map((r) => [r.id, r.status]),
    [[waiter.id, 'cancelled']],
  );
});

test('Ctrl-C on sci run cancels cleanly', async () => {
  const child = startSci(box, 'run', 'long', '--json');
  const running = collect(child);
  await waitForRun(box, sleeping);
  child.kill('SIGINT');
  const done = await running;
  assert.notEqual(done.code, 0);
  const [final] = runsOf(done.stdout) as [RunJson];
  assert.equal(final.status, 'cancelled');
  assert.ok(
    final.steps.every((s) => ['succeeded', 'cancelled'].includes(s.status)),
    JSON.stringify(final.steps),
  );
  assert.deepEqual(processesMatching(box, 'sleep 38'), []);
});

test('a sci run killed with SIGKILL leaves a run the next command marks abandoned, and its step processes end', async (t) => {
  // unique to this test: the step's sleep, the inner bash and its sleep (a grandchild of the step's shell)
  const marker = 'sleep 300.417';
  // should recovery fail, the orphans must not outlive the test run
  t.after(() => {
    killMatching(box, marker);
  });
  const child = startSci(box, 'run', 'crash', '--json');
  const running = collect(child);
  const run = await waitForRun(box, (r) => r.pipeline === 'crash' && r.steps.some((s) => s.status === 'running'));
  const procs = join(box.home, 'procs');
  const recorded = () => existsSync(join(procs, run.id, 'forever.json'));
  for (let i = 0; i < 120 && (processesMatching(box, marker).length < 3 || !recorded()); i++) await sleep(250);
  assert.equal(processesMatching(box, marker).length, 3, 'the step did not start its processes');
  assert.ok(recorded(), 'the step process group was not recorded');
  child.kill('SIGKILL');
  await running;
  assert.equal(
    processesMatching(box, marker).length,
    3,
    'the step processes should outlive sci run (own process group)',
  );
  const listed = await sciAsync(box, 'runs', '--json');
  const after = runsOf(listed.stdout).find((r) => r.id === run.id)!;
  assert.equal(after.status, 'failed');
  // sci runs ended the orphans before answering (SIGTERM, SIGKILL after 1 s at worst)
  assert.deepEqual(processesMatching(box, marker), []);
  assert.deepEqual(readdirSync(procs), [], 'the records of the ended groups are removed');
  assert.ok(!existsSync(join(box.home, 'work', run.id)), "the abandoned run's workspaces are removed");
  // the listing carries each run's steps, as `sci show RUN --json` would
  assert.equal(step(after, 'forever').status, 'cancelled');
  const listing = (await sciAsync(box, 'runs')).stdout;
  assert.match(listing, new RegExp(`${run.id}.*failed.*abandoned`));
});
