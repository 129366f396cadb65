/**
 * Ctrl-C to `sci serve` loses no delivery it answered 202: the real CLI over real HTTP, stopped
 * by real signals. A burst is accepted; a first SIGINT stops accepting and starts draining, a
 * second one comes at once and the process exits with deliveries still undispatched. They wait on
 * disk, and the next `sci serve` dispatches them: every accepted delivery runs, none twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runsOf, SCI, sandbox, sci, type Sandbox } from '../e2e/helpers.ts';
import { postPush, TEST_SECRET } from '../github/helpers.ts';

/** Enough for a backlog: of 30, all were still undispatched 50 ms after the first Ctrl-C (a run on this machine). */
const DELIVERIES = 10;
/** Pipelines each push starts: a dispatch takes a while, so a backlog builds up behind the burst. */
const PIPELINES = ['a', 'b', 'c'];
const SKIPPED = `on:\n  push: { branches: [main] }\nsteps:\n  never:\n    if: branch == 'nope'\n    run: exit 1\n`;

const box = sandbox(Object.fromEntries(PIPELINES.map((p) => [`.sci/${p}.yml`, SKIPPED])));
box.env = { SCI_WEBHOOK_SECRET: TEST_SECRET, SCI_CONTAINER: 'none' };
test.after(() => box.cleanup());

interface Served {
  child: ChildProcess;
  base: string;
  output(): string;
  exited: Promise<number | null>;
}

/** `sci serve --port 0` in the background; resolves once it listens. */
async function serve(s: Sandbox): Promise<Served> {
  const child = spawn(process.execPath, [SCI, 'serve', '--port', '0'], {
    cwd: s.repo,
    env: { ...process.env, SCI_HOME: s.home, ...s.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(100)) {
    const url = /dashboard (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1];
    if (url) return { child, base: url, output: () => out, exited };
    if (child.exitCode !== null) break;
  }
  child.kill('SIGKILL');
  throw new Error(`sci serve did not start:\n${out}`);
}

const spooled = () => readdirSync(join(box.home, 'deliveries')).filter((n) => n.endsWith('.json'));

test('a second Ctrl-C keeps the undispatched deliveries on disk; the next sci serve dispatches them, none twice', {
  timeout: 240_000,
}, async (t) => {
  const sha = execFileSync('git', ['-C', box.repo, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  const first = await serve(box);
  const answers = await Promise.all(
    Array.from({ length: DELIVERIES }, (_, i) => postPush(first.base, sha, `d-${i}`).then((r) => r.status)),
  );
  assert.deepEqual([...new Set(answers)], [202]);
  first.child.kill('SIGINT');
  await sleep(50);
  first.child.kill('SIGINT');
  assert.equal(await first.exited, 130, first.output());
  assert.match(first.output(), /stopping: \d+ accepted deliveries to dispatch/);
  const left = spooled().length;
  t.diagnostic(`${left} of ${DELIVERIES} accepted deliveries were left on disk by the second Ctrl-C`);
  assert.ok(
    left > 0,
    `a backlog was left on disk (the burst was dispatched before the second Ctrl-C):\n${first.output()}`,
  );
  assert.match(first.output(), new RegExp(`stopped: ${left} accepted deliveries left in`));

  const second = await serve(box);
  assert.match(second.output(), new RegExp(`${left} deliveries accepted before sci serve stopped, not dispatched`));
  const want = DELIVERIES * PIPELINES.length;
  // a delivery leaves the spool once dispatched (its runs started): a file check, not a `sci runs` process per poll
  for (const deadline = Date.now() + 180_000; spooled().length > 0 && Date.now() < deadline; await sleep(100));
  // one Ctrl-C: every run ends before it exits
  second.child.kill('SIGINT');
  assert.equal(await second.exited, 0, second.output());
  const runs = runsOf(sci(box, 'runs', '--json', '--limit', '1000').stdout);
  assert.equal(runs.length, want, 'one run per pipeline of every accepted delivery, none twice');
  assert.deepEqual(spooled(), []);
});
