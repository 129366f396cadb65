/**
 * A run whose engine ran on another host (a state home on a shared disk) and was killed there:
 * no pid of this host says it is gone, so its heartbeat does. `sci cancel` ends it once the
 * engine stays silent, and recovery ends it as abandoned after a longer silence. The other host
 * is a UTS namespace (`unshare --uts`) with its own hostname, so it needs root, as CI has.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openLocalStore } from '../../local/store/dynalite-server.ts';
import { reapAbandoned, REMOTE_STALE_MS } from '../../local/engine/recovery.ts';
import { collect, killMatching, runsOf, sandbox, SCI, sciAsync, waitForRun } from './helpers.ts';

const skip =
  process.getuid?.() !== 0 && process.env.CI !== 'true' ? 'a second hostname (unshare --uts) needs root' : false;
const marker = 'sleep 300.723';
const box = sandbox({
  '.sci/a.yml': `name: a\non: { push: {} }\nsteps:\n  slow:\n    run: ${marker}\n`,
  '.sci/b.yml': `name: b\non: { push: {} }\nsteps:\n  slow:\n    run: ${marker}\n`,
});
// the shortest heartbeat the product takes: `sci cancel` then waits 3 s of silence, not 15 s
const HEARTBEAT_MS = 1_000;
box.env = { SCI_HEARTBEAT_MS: String(HEARTBEAT_MS) };
after(() => {
  // the other host's step processes: nobody on this host may end them, so the test does
  killMatching(box, marker);
  box.cleanup();
});

test('a run killed on another host: sci cancel ends it, recovery ends it after a silence', {
  skip,
  timeout: 120_000,
}, async () => {
  const child = spawn(
    'unshare',
    [
      '--uts',
      'sh',
      '-c',
      'hostname other-host && exec "$@"',
      'sh',
      process.execPath,
      SCI,
      'run',
      '--no-containers',
      '--json',
    ],
    {
      cwd: box.repo,
      env: { ...process.env, SCI_HOME: box.home, ...box.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const ended = collect(child);
  const running = (name: string) =>
    waitForRun(box, (r) => r.pipeline === name && r.steps.some((s) => s.status === 'running'));
  const [a, b] = await Promise.all([running('a'), running('b')]);
  child.kill('SIGKILL');
  await ended;
  // this host can't tell the engine is gone: both runs still run
  const listed = runsOf((await sciAsync(box, 'runs', '--json')).stdout);
  assert.deepEqual(
    listed.map((r) => r.status),
    ['running', 'running'],
  );

  const started = Date.now();
  const cancel = await sciAsync(box, 'cancel', a!.id);
  assert.equal(cancel.code, 0, cancel.stderr);
  assert.match(cancel.stdout, /cancelled \(its engine stopped answering\)/);
  // it gave the engine its whole silence first (a wall-clock ceiling here would only measure the machine's load)
  assert.ok(Date.now() - started >= 3 * HEARTBEAT_MS);
  assert.ok(!existsSync(join(box.home, 'work', a!.id)), 'its workspaces are removed');

  // the store, opened in this process for the recovery below, shows the cancelled run (not a `sci show` process more)
  const local = await openLocalStore(box.home);
  try {
    const shown = await local.store.getRun(a!.id);
    assert.equal(shown?.run.status, 'cancelled');
    assert.equal(shown?.steps[0]?.status, 'cancelled');
    // recovery: a silence shorter than the limit keeps the run, a longer one ends it
    const table = { dynamo: local.client, tableName: local.tableName };
    assert.deepEqual(await reapAbandoned(local.store, table, box.home), []);
    assert.deepEqual(
      await reapAbandoned(local.store, table, box.home, new Date(Date.now() + REMOTE_STALE_MS + 1_000)),
      [b!.id],
    );
    const run = await local.store.getRun(b!.id);
    assert.equal(run?.run.status, 'failed');
    assert.equal(run?.run.reason, 'abandoned: its engine on other-host stopped answering');
    assert.ok(!existsSync(join(box.home, 'work', b!.id)), 'its workspaces are removed');
  } finally {
    await local.close();
  }
});
