/**
 * Done-when of the one run lifecycle: `sci serve` over real HTTP with signed real GitHub push
 * payloads (@octokit/webhooks-examples), the local store (dynalite) and real processes. Two pushes
 * to one branch: under `cancel_in_progress` the older run is cancelled, without it the newer waits
 * (and a third arrival replaces the waiting one); `on.pipeline` followers run after each success;
 * and the calls into the Lambdas' own use cases (`dispatchDelivery`, the reporter) are counted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openSession, type LocalSession } from '../../local/session.ts';
import type { RunRecord } from '../../src/core/ports.ts';
import { onExecutionStatus } from '../../src/core/report.ts';
import { dispatchDelivery } from '../../src/github/dispatch-delivery.ts';
import { createServeServer, listen } from '../../src/serve/http.ts';
import { createServeApp, type ServeApp } from '../../src/serve/serve-app.ts';
import { GitSource } from '../../src/source/git-source.ts';
import { postPush, TEST_SECRET } from '../github/helpers.ts';
import { commitAll, initRepo } from '../git-repo.ts';
import { SCI } from '../sci-cli.ts';

/** `build` runs until the file `gate` exists: the test, not a sleep, says when a run may end. */
const pipelines = (cancel: boolean, gate: string) => ({
  '.sci/ci.yml': `on:\n  push: { branches: [main] }\nconcurrency: { group: "ci-\${{ branch }}", cancel_in_progress: ${cancel} }\nsteps:\n  build: { run: 'while [ ! -e ${gate} ]; do sleep 0.1; done; echo built $SCI_SHA' }\n`,
  '.sci/after.yml': 'on:\n  pipeline: { name: ci, status: [succeeded] }\nsteps:\n  ship: { run: echo shipped }\n',
});

interface Served {
  repo: string;
  shas: string[];
  session: LocalSession;
  app: ServeApp;
  server: Server;
  base: string;
  calls: { dispatchDelivery: number; report: number };
  close(): Promise<void>;
}

const roots: string[] = [];
const gates = mkdtempSync(join(tmpdir(), 'sci-lifecycle-gates-'));
roots.push(gates);
const previousHome = process.env.SCI_HOME;
after(() => {
  if (previousHome === undefined) delete process.env.SCI_HOME;
  else process.env.SCI_HOME = previousHome;
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A clone with `commits` commits of the same pipelines, served with the core calls counted. */
async function serve(files: Record<string, string>, commits: number, recoverEveryMs?: number): Promise<Served> {
  const root = mkdtempSync(join(tmpdir(), 'sci-lifecycle-'));
  roots.push(root);
  const repo = join(root, 'repo');
  const shas = [
    initRepo(
      repo,
      { ...files, 'change.txt': '0' },
      { origin: 'https://github.com/Codertocat/Hello-World.git', message: 'change 0' },
    ),
  ];
  for (let i = 1; i < commits; i += 1) {
    writeFileSync(join(repo, 'change.txt'), String(i));
    shas.push(commitAll(repo, `change ${i}`));
  }
  process.env.SCI_HOME = join(root, 'home');
  const session = await openSession(repo);
  const calls = { dispatchDelivery: 0, report: 0 };
  const app = await open(repo, session, calls, recoverEveryMs);
  const server = createServeServer(app.handlers);
  const base = `http://127.0.0.1:${await listen(server, 0)}`;
  const close = async () => {
    await new Promise((done) => server.close(done));
    await app.drained();
    app.close();
    await session.close();
  };
  return { repo, shas, session, app, server, base, calls, close };
}

/** Served with crash recovery every `recoverEveryMs`: by default never within a test, so only a restart resumes a queue. */
function open(
  repo: string,
  session: LocalSession,
  calls: Served['calls'],
  recoverEveryMs = 3_600_000,
): Promise<ServeApp> {
  return createServeApp({
    repoDir: repo,
    recoverEveryMs,
    secret: TEST_SECRET,
    session,
    source: new GitSource(repo),
    log: () => undefined,
    containers: 'none',
    core: {
      dispatchDelivery: (deps, delivery) => {
        calls.dispatchDelivery += 1;
        return dispatchDelivery(deps, delivery);
      },
      report: (deps, detail) => {
        calls.report += 1;
        return onExecutionStatus(deps, detail);
      },
    },
  });
}

async function push(s: Served, sha: string, delivery: string): Promise<void> {
  const res = await postPush(s.base, sha, delivery);
  assert.equal(res.status, 202, res.body);
}

/** The runs of `pipeline` in creation order. */
async function runsOf(s: Served, pipeline: string): Promise<RunRecord[]> {
  return (await s.session.store.listRuns({ pipeline })).reverse();
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if (await check()) return;
    await sleep(100);
  }
  assert.fail(`timed out waiting until ${what}`);
}

const running = (s: Served, n: number) => async () => (await runsOf(s, 'ci'))[n]?.status === 'running';

describe('sci serve: one lifecycle with the Lambdas', () => {
  let s: Served;
  const gate = join(gates, 'cancel');
  before(async () => {
    s = await serve(pipelines(true, gate), 2);
  });
  after(() => s.close());

  test('cancel_in_progress: the newer push cancels the older run; the follower runs after the success', async () => {
    await push(s, s.shas[0]!, 'push-1');
    await until('the first run builds', running(s, 0));
    await push(s, s.shas[1]!, 'push-2');
    await until('the second run is recorded', async () => (await runsOf(s, 'ci')).length === 2);
    await until('the first run is cancelled', async () => (await runsOf(s, 'ci'))[0]?.status === 'cancelled');
    writeFileSync(gate, '');
    const [older, newer] = await runsOf(s, 'ci');
    assert.match(older!.reason!, new RegExp(`cancelled by run ${newer!.id} .* in concurrency group ci-main`));
    assert.equal(newer!.sha, s.shas[1]);
    await s.app.drained();
    assert.equal((await runsOf(s, 'ci'))[1]!.status, 'succeeded');
    const followers = await runsOf(s, 'after');
    assert.deepEqual(
      followers.map((r) => [r.status, r.sha, r.parentRunId]),
      [['succeeded', s.shas[1], newer!.id]],
    );
    // Two deliveries through dispatchDelivery; each of the three executions reported RUNNING and its end.
    assert.deepEqual(s.calls, { dispatchDelivery: 2, report: 6 });
  });
});

describe('sci serve: a concurrency group without cancel_in_progress queues', () => {
  let s: Served;
  const gate = join(gates, 'queue');
  before(async () => {
    s = await serve(pipelines(false, gate), 3);
  });
  after(() => s.close());

  test('the newer push waits queued, a third replaces it, it runs when the older ends, followers after each success', async () => {
    await push(s, s.shas[0]!, 'q-1');
    await until('the first run builds', running(s, 0));
    await push(s, s.shas[1]!, 'q-2');
    await push(s, s.shas[2]!, 'q-3');
    // the third run is recorded before it replaces the second
    await until('the third run replaced the second', async () => (await runsOf(s, 'ci'))[1]?.status === 'cancelled');
    const waiting = await runsOf(s, 'ci');
    assert.deepEqual(
      waiting.map((r) => r.status),
      ['running', 'cancelled', 'queued'],
    );
    assert.equal(waiting[2]!.waitingFor, waiting[0]!.id);
    assert.match(waiting[1]!.reason!, /replaced by run/);
    writeFileSync(gate, '');
    await s.app.drained();
    const ended = await runsOf(s, 'ci');
    assert.deepEqual(
      ended.map((r) => r.status),
      ['succeeded', 'cancelled', 'succeeded'],
    );
    assert.ok(ended[2]!.startedAt! >= ended[0]!.endedAt!, 'the waiting run started after the older one ended');
    const followers = await runsOf(s, 'after');
    assert.deepEqual(
      followers.map((r) => [r.status, r.sha]).sort(),
      [
        ['succeeded', s.shas[0]],
        ['succeeded', s.shas[2]],
      ].sort(),
    );
    assert.deepEqual(s.calls, { dispatchDelivery: 3, report: 8 });
  });

  test('a run waiting in the queue survives a restart of sci serve', async () => {
    const base = (await runsOf(s, 'ci')).length;
    // a first run that builds until the test lets it end, then a waiting second one: the first
    // app's reporter must not see it end (and start the waiting run) before the restarted app has
    const gate = join(gates, 'long-run-may-end');
    writeFileSync(join(s.repo, '.sci/ci.yml'), pipelines(false, gate)['.sci/ci.yml']);
    await push(s, commitAll(s.repo, 'long'), 'r-1');
    await until('the long run builds', running(s, base));
    await push(s, s.shas[0]!, 'r-2');
    // waiting: in its group's waiting place (recorded `queued` a moment before it gets there)
    await until('the second run waits', async () => {
      const second = (await runsOf(s, 'ci'))[base + 1];
      return (
        second?.concurrencyGroup !== undefined &&
        (await s.session.store.readGroup(second.repo, second.concurrencyGroup)).waiting === second.id
      );
    });
    const [blocker, waiter] = (await runsOf(s, 'ci')).slice(base) as [RunRecord, RunRecord];
    // the process dies: the next `sci` marks its run abandoned (crash recovery), the queue stays in the store
    await s.session.store.markAbandoned(blocker.id, 'abandoned');
    const calls = { dispatchDelivery: 0, report: 0 };
    try {
      const restarted = await open(s.repo, s.session, calls);
      await restarted.drained();
      restarted.close();
      assert.equal((await s.session.store.getRun(waiter.id))!.run.status, 'succeeded');
      // the restarted app started it (its execution reported there) and received no delivery
      assert.ok(calls.report >= 2, JSON.stringify(calls));
      assert.equal(calls.dispatchDelivery, 0);
    } finally {
      writeFileSync(gate, '');
    }
  });
});

describe('sci serve: crash recovery while it serves', () => {
  let s: Served;
  const gate = join(gates, 'recover');
  before(async () => {
    s = await serve(pipelines(false, gate), 1, 200);
  });
  after(async () => {
    writeFileSync(gate, '');
    await s.close();
  });

  test('a delivery waiting behind a sci run that is killed starts with no other command or delivery', async () => {
    const holder = spawn(process.execPath, [SCI, 'run', 'ci', '--json', '--no-containers'], {
      cwd: s.repo,
      env: { ...process.env },
      stdio: 'ignore',
    });
    const gone = new Promise((resolve) => holder.on('close', resolve));
    await until('the sci run builds', running(s, 0));
    await push(s, s.shas[0]!, 'behind-a-sci-run');
    await until('the delivery waits', async () => (await runsOf(s, 'ci'))[1]?.waitingFor !== undefined);
    holder.kill('SIGKILL');
    await gone;
    // this app's crash recovery ends the killed process's run, whose end hands the group on, and starts the next
    await until('the waiting run builds', running(s, 1));
    const [killed] = await runsOf(s, 'ci');
    assert.deepEqual([killed!.status, killed!.reason], ['failed', 'abandoned']);
    writeFileSync(gate, '');
    await until('it succeeds', async () => (await runsOf(s, 'ci'))[1]?.status === 'succeeded');
    assert.equal(s.calls.dispatchDelivery, 1);
  });
});
