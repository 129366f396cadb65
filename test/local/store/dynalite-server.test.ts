import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type LocalStore, openLocalStore } from '../../../local/store/dynalite-server.ts';
import { unsignedAuthorization } from '../../../local/store/dynalite.ts';
import { homePaths } from '../../../local/home.ts';
import { isAlive } from '../../../local/store/lock.ts';
import type { StoreError } from '../../../src/store/errors.ts';
import { aRun, someSteps } from '../../store/records.ts';
import { report, startWorker, waitForFile } from './processes.ts';

/** dynalite's own LevelDB package (classic-level), as it opens the store's folder. */
const { Level } = createRequire(createRequire(import.meta.url).resolve('dynalite'))('level') as {
  Level: new (location: string) => { open(): Promise<void>; close(): Promise<void> };
};

describe('the shared local store', () => {
  let home: string;
  beforeEach(() => (home = mkdtempSync(join(tmpdir(), 'sci-store-'))));
  afterEach(() => rmSync(home, { recursive: true, force: true }));
  const leftovers = () => [homePaths(home).storeServer, homePaths(home).storeLock].filter(existsSync);
  /** Writes run `<name>-<i>` in the shared repository as a store worker does: created, started, its step ended. */
  const writeRun = async (local: LocalStore, name: string, i: number) => {
    const id = `${name}-${String(i).padStart(3, '0')}`;
    assert.ok(await local.store.createRun(aRun({ id, repo: 'octo/shared', pipeline: name }), someSteps(id, 1)));
    assert.ok(await local.store.transitionRun(id, 'running'));
    assert.ok(await local.store.transitionStep(id, 's000', 'succeeded'));
  };

  it('a second opener becomes a client; when the server closes, the client takes over on its next call', async () => {
    const a = await openLocalStore(home);
    const b = await openLocalStore(home);
    assert.deepEqual([a.serving(), b.serving(), b.endpoint()], [true, false, a.endpoint()]);
    await a.store.createRun(aRun({ id: 'from-a' }), someSteps('from-a', 2));
    assert.equal((await b.store.getRun('from-a'))?.steps.length, 2);
    await a.close();
    assert.equal(await b.store.createRun(aRun({ id: 'from-b' }), []), true);
    assert.equal(b.serving(), true);
    assert.notEqual(b.endpoint(), a.endpoint());
    assert.deepEqual((await b.store.listRuns({})).map((r) => r.id).sort(), ['from-a', 'from-b']);
    await b.close();
    assert.deepEqual(leftovers(), []);
  });

  it("the serving process answers its own requests without HTTP and counts its writes; a client's come over HTTP", async () => {
    const a = await openLocalStore(home);
    const b = await openLocalStore(home);
    const sent: string[] = [];
    const authorizations: string[] = [];
    const onRequest = (message: unknown) => {
      const { request } = message as { request: ClientRequest };
      sent.push(String(request.getHeader('x-amz-target')));
      authorizations.push(String(request.getHeader('authorization')));
    };
    subscribe('http.client.request.start', onRequest);
    try {
      const before = a.writes() ?? 0;
      await a.store.createRun(aRun({ id: 'own' }), someSteps('own', 1));
      assert.equal((await a.store.getRun('own'))?.steps.length, 1);
      assert.equal(sent.length, 0, sent.join());
      const counted = a.writes() ?? 0;
      assert.ok(counted > before, `writes answered: ${before} then ${counted}`);
      assert.equal(await b.store.createRun(aRun({ id: 'other' }), []), true);
      assert.ok(sent.includes('DynamoDB_20120810.PutItem'), sent.join());
      for (let i = 0; i < 100 && (a.writes() ?? 0) === counted; i++) await sleep(10);
      assert.ok((a.writes() ?? 0) > counted, "the client's writes are counted too");
      assert.equal((await a.store.getRun('other'))?.run.id, 'other');
      // the client's requests are unsigned (local/store/dynalite.ts), and dynalite, which refuses a header
      // without a signature, takes them
      assert.ok(
        authorizations.length > 0 && authorizations.every((h) => /Signature=0{64}$/.test(h)),
        authorizations[0],
      );
      const listTables = (headers: Record<string, string>) =>
        fetch(a.endpoint(), {
          method: 'POST',
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': 'DynamoDB_20120810.ListTables',
            ...headers,
          },
          body: '{}',
        });
      const unsigned = unsignedAuthorization(new Date());
      assert.equal((await listTables(unsigned)).status, 200);
      const refused = await listTables({
        ...unsigned,
        authorization: unsigned.authorization.replace(/, Signature=.*/, ''),
      });
      assert.match(await refused.text(), /IncompleteSignatureException/);
    } finally {
      unsubscribe('http.client.request.start', onRequest);
      await b.close();
      await a.close();
    }
  });

  it('persists across servers: a later process sees earlier runs', async () => {
    const first = await openLocalStore(home);
    await first.store.createRun(aRun({ id: 'kept' }), someSteps('kept', 1));
    await first.close();
    const second = await openLocalStore(home);
    assert.equal((await second.store.getRun('kept'))?.run.id, 'kept');
    await second.close();
  });

  it('three processes share one home; the serving one exits mid-way; the others keep working and nothing is lost', async () => {
    const a = startWorker([home, 'A', '6', '5', join(home, 'A.go'), '--exit-abruptly']);
    await waitForFile(join(home, 'A.ready'));
    const b = startWorker([home, 'B', '20', '5', join(home, 'A.exited')]);
    // the third process is this one, writing as B does: five runs through A, the rest once A has exited
    const c = await openLocalStore(home);
    const cServedAtStart = c.serving();
    for (let i = 0; i < 5; i++) await writeRun(c, 'C', i);
    // A exits abruptly only once B and this process have written through it and wait: no request of theirs is in flight.
    await waitForFile(join(home, 'B.paused'));
    writeFileSync(join(home, 'A.go'), '');
    const resultA = await a.done;
    writeFileSync(join(home, 'A.exited'), '');
    for (let i = 5; i < 20; i++) await writeRun(c, 'C', i);
    const cServedAtEnd = c.serving();
    await c.close();
    const resultB = await b.done;
    for (const result of [resultA, resultB]) assert.equal(result.code, 0, result.stderr);
    const [ra, rb] = [report(resultA.stdout), report(resultB.stdout)];
    assert.deepEqual([ra.servedAtStart, rb.servedAtStart, cServedAtStart], [true, false, false]);
    assert.ok(rb.servedAtEnd || cServedAtEnd, 'one of the clients took over serving');
    assert.deepEqual([ra.pid, rb.pid].filter(isAlive), [], 'no process left behind');
    assert.deepEqual(leftovers(), []);

    const check = await openLocalStore(home);
    const runs = await check.store.listRuns({ repo: 'octo/shared', limit: 1000 });
    assert.equal(runs.length, 46);
    assert.ok(runs.every((run) => run.status === 'running'));
    assert.deepEqual(
      (await check.store.listSteps('C-019')).map((s) => s.status),
      ['succeeded'],
    );
    await check.close();
  });

  it('the serving process closes while clients are writing: in-flight writes finish, later ones move to the next server', async () => {
    // the serving process is this one: it writes as a worker does, two runs before the clients start, one after
    const a = await openLocalStore(home);
    assert.equal(a.serving(), true);
    await writeRun(a, 'A', 0);
    await writeRun(a, 'A', 1);
    const b = startWorker([home, 'B', '40']);
    const c = startWorker([home, 'C', '40']);
    await Promise.all([waitForFile(join(home, 'B.ready')), waitForFile(join(home, 'C.ready'))]);
    await writeRun(a, 'A', 2);
    await a.close();
    const results = await Promise.all([b.done, c.done]);
    for (const result of results) assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(leftovers(), []);
    const check = await openLocalStore(home);
    assert.equal((await check.store.listRuns({ repo: 'octo/shared', limit: 1000 })).length, 83);
    await check.close();
  });

  it('recovers the lock of a SIGKILLed server', async () => {
    const d = startWorker([home, 'D', '2', '--hold']);
    await waitForFile(join(home, 'D.written'));
    assert.equal(leftovers().length, 2, 'the serving worker holds the lock and the record');
    d.child.kill('SIGKILL');
    await d.done;
    const after = await openLocalStore(home);
    assert.equal(after.serving(), true);
    assert.deepEqual((await after.store.listRuns({})).map((r) => r.id).sort(), ['D-000', 'D-001']);
    await after.close();
    assert.deepEqual(leftovers(), []);
  });

  it('expires items locally: the next server deletes runs past their TTL, at most once a day', async () => {
    const longAgo = { now: () => new Date('2020-01-01T00:00:00.000Z') };
    const old = await openLocalStore(home, { clock: longAgo, runRetentionDays: 1, deliveryRetentionDays: 1 });
    await old.store.createRun(aRun({ id: 'old' }), someSteps('old', 3));
    await old.store.recordDelivery('1', 'old', {});
    await old.close();
    const sameDay = await openLocalStore(home);
    assert.equal((await sameDay.store.getRun('old'))?.run.id, 'old', 'swept already today (when `old` started)');
    await sameDay.close();
    rmSync(homePaths(home).storeSwept); // as if a day had passed
    const fresh = await openLocalStore(home);
    await fresh.store.createRun(aRun({ id: 'fresh' }), someSteps('fresh', 1));
    assert.equal(await fresh.store.getRun('old'), undefined);
    assert.equal(await fresh.store.recordDelivery('1', 'old', {}), true, 'the expired delivery is gone');
    assert.deepEqual(
      (await fresh.store.listRuns({})).map((r) => r.id),
      ['fresh'],
    );
    await fresh.close();
  });

  it('takes over a lock held for long by a live process that serves nothing (a recycled pid)', async () => {
    const paths = homePaths(home);
    mkdirSync(paths.store, { recursive: true });
    writeFileSync(paths.storeLock, '1'); // pid 1 is always alive, and is not a sci process
    const longAgo = new Date(Date.now() - 60_000);
    utimesSync(paths.storeLock, longAgo, longAgo);
    const local = await openLocalStore(home);
    assert.equal(local.serving(), true);
    await local.close();
    assert.deepEqual(leftovers(), []);
  });

  it("waits while LevelDB's own lock is still held (its process exiting, the lock file gone), then serves", async () => {
    const paths = homePaths(home);
    mkdirSync(paths.store, { recursive: true });
    const held = new Level(paths.storeDb);
    await held.open();
    let released = false;
    const release = setTimeout(() => {
      released = true;
      void held.close();
    }, 400);
    try {
      const local = await openLocalStore(home, { timeoutMs: 10_000 });
      assert.deepEqual([released, local.serving()], [true, true]);
      await local.store.createRun(aRun({ id: 'after' }), someSteps('after', 1));
      assert.equal((await local.store.getRun('after'))?.steps.length, 1);
      await local.close();
      assert.deepEqual(leftovers(), []);
    } finally {
      clearTimeout(release);
      await held.close();
    }
  });

  it('gives up with a typed error when a live process holds the lock but serves nothing', async () => {
    const paths = homePaths(home);
    rmSync(paths.store, { recursive: true, force: true });
    mkdirSync(paths.store, { recursive: true });
    writeFileSync(paths.storeLock, String(process.pid));
    await assert.rejects(openLocalStore(home, { timeoutMs: 300 }), (e: StoreError) => e.code === 'store-unavailable');
  });
});
