/**
 * The run store meets a full disk itself (a write of a heartbeat, a status or the run's end, not a
 * build): on a small tmpfs (only root can mount one; CI runs as root), filled to the last byte.
 * dynalite used to throw LevelDB's IO error from a callback, killing the process serving the store
 * (this test file's own process here).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { PutItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { homePaths } from '../../../local/home.ts';
import { ensureTable, localClient, startDynalite } from '../../../local/store/dynalite.ts';
import { openLocalStore } from '../../../local/store/dynalite-server.ts';
import { aRun, someSteps } from '../../store/records.ts';

const T = 'runs';
const skip = process.getuid?.() !== 0 && process.env.CI !== 'true' ? 'mounting a small tmpfs needs root' : false;

/** Fills the file system of `dir` to its last byte; the filler's path is returned, to free it. */
function fillDisk(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  try {
    for (const size of [1 << 16, 1 << 12, 1 << 9, 1]) {
      const chunk = Buffer.alloc(size, 1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

describe('the run store on a full disk', { skip, timeout: 60_000 }, () => {
  let disk: string;
  beforeEach(() => {
    disk = mkdtempSync(join(tmpdir(), 'sci-full-'));
    // 16 MB: the store makes its 1 MB reserve only while 8 MB are free
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', disk]);
  });
  afterEach(() => {
    // lazily: a server that died keeps its files open
    execFileSync('umount', ['-l', disk]);
    rmSync(disk, { recursive: true, force: true });
  });

  it('a write that meets it is answered InternalServerError (500), the process lives, and nothing is lost', async () => {
    const path = join(disk, 'db');
    const item = (id: string) => ({ pk: { S: id }, sk: { S: 'x' }, body: { S: id.repeat(200) } });
    const server = await startDynalite({ path });
    // a short timeout: a server that died would leave the request unanswered
    const client = localClient(() => server.endpoint, { timeoutMs: 1_000 });
    await ensureTable(client, T);
    await client.send(new PutItemCommand({ TableName: T, Item: item('before') }));
    const filler = fillDisk(disk);
    // the log's last page may still hold a few: some write meets the full disk within 100 KB
    const failures: Error[] = [];
    for (let i = 0; i < 100 && failures.length === 0; i++)
      await client.send(new PutItemCommand({ TableName: T, Item: item(`full${i}`) })).catch((error: Error) => {
        failures.push(error);
      });
    assert.equal(failures[0]?.name, 'InternalServerError');
    assert.equal((failures[0] as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 500);
    rmSync(filler);
    // the writes answered after the one cut short must survive a reopening of LevelDB
    for (let i = 0; i < 100; i++) await client.send(new PutItemCommand({ TableName: T, Item: item(`after${i}`) }));
    client.destroy();
    await server.close();
    const reopened = await startDynalite({ path });
    const reader = localClient(() => reopened.endpoint);
    try {
      for (const id of ['before', 'after0', 'after99']) {
        const { Item } = await reader.send(
          new GetItemCommand({ TableName: T, Key: { pk: { S: id }, sk: { S: 'x' } } }),
        );
        assert.ok(Item?.body?.S === id.repeat(200), `${id} is kept`);
      }
    } finally {
      reader.destroy();
      await reopened.close();
    }
  });

  it("the serving process gives up the store's reserve at once, the client sends again, and the runs persist", async () => {
    const home = join(disk, 'home');
    mkdirSync(home);
    const first = await openLocalStore(home);
    const reserve = join(homePaths(home).store, 'reserve');
    assert.ok(existsSync(reserve), 'the reserve is made while the disk has room');
    await first.store.createRun(aRun({ id: 'before' }), someSteps('before', 3));
    const filler = fillDisk(disk);
    const ids = Array.from({ length: 30 }, (_, i) => `during-${i}`);
    for (const id of ids) assert.equal(await first.store.createRun(aRun({ id }), someSteps(id, 3)), true, id);
    assert.equal(existsSync(reserve), false, 'the store met the full disk and gave up its reserve');
    await first.close();
    rmSync(filler);
    const second = await openLocalStore(home);
    try {
      const listed = (await second.store.listRuns({})).map((run) => run.id).sort();
      assert.deepEqual(listed, ['before', ...ids].sort());
      assert.equal((await second.store.getRun('during-29'))?.steps.length, 3);
    } finally {
      await second.close();
    }
  });
});
