import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, tryLock } from '../../../local/store/lock.ts';
import { isConnectionError } from '../../../local/store/reconnect.ts';

/** The pid of a process that has exited (so certainly not alive now): `true`, not a node process (≈ 0.15 s less). */
function deadPid(): number {
  const { pid } = spawnSync('true');
  if (!pid) throw new Error('could not start `true`');
  return pid;
}

describe('the store lock file', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sci-lock-'));
    path = join(dir, 'lock');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is taken once, holds our pid, and is released only by its holder', async () => {
    const lock = await tryLock(path);
    assert.ok(lock);
    assert.equal(readFileSync(path, 'utf8'), String(process.pid));
    assert.equal(await tryLock(path), undefined, 'a live holder (us) keeps it');
    await lock.release();
    assert.equal(existsSync(path), false);
  });

  it('racing takers: exactly one wins', async () => {
    const locks = await Promise.all(Array.from({ length: 8 }, () => tryLock(path)));
    assert.equal(locks.filter(Boolean).length, 1);
  });

  it('takes over a lock whose holder is dead, even with several racing takers', async () => {
    const dead = deadPid();
    assert.equal(isAlive(dead), false);
    // many rounds: when takers moved the lock aside to break it, one could move a fresh lock aside and put it back,
    // and a third take the empty place meanwhile: two holders, within the first few rounds
    for (let round = 0; round < 200; round++) {
      writeFileSync(path, String(dead));
      const locks = await Promise.all(Array.from({ length: 4 }, () => tryLock(path)));
      assert.equal(locks.filter(Boolean).length, 1, `round ${round}`);
      assert.equal(readFileSync(path, 'utf8'), String(process.pid));
      rmSync(path);
    }
    assert.deepEqual(readdirSync(dir), [], 'no breaker or moved file left');
  });

  it('a breaker left by a taker that died while breaking does not keep the lock from being taken', async () => {
    const dead = deadPid();
    writeFileSync(path, String(dead));
    writeFileSync(`${path}.break`, String(dead));
    assert.ok(await tryLock(path));
    assert.equal(readFileSync(path, 'utf8'), String(process.pid));
  });

  it('a lock found stale but replaced before it is broken is left to its new holder', async () => {
    writeFileSync(path, String(deadPid()));
    const fresh = join(dir, 'fresh');
    const taken = await tryLock(path, () => {
      // another taker broke the stale lock and took it between this one's read and its break
      writeFileSync(fresh, '1');
      renameSync(fresh, path);
      return true;
    });
    assert.equal(taken, undefined);
    assert.equal(readFileSync(path, 'utf8'), '1');
  });

  it('an empty lock is being written: kept while young, taken over once old', async () => {
    writeFileSync(path, '');
    assert.equal(await tryLock(path), undefined);
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    assert.ok(await tryLock(path));
  });

  it('releaseSync leaves a lock that is not ours alone', async () => {
    const lock = await tryLock(path);
    writeFileSync(path, '1');
    lock!.releaseSync();
    assert.equal(readFileSync(path, 'utf8'), '1');
  });
});

describe('connection errors that trigger a reconnect', () => {
  const cases: Array<[string, unknown, boolean]> = [
    ['refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), true],
    ['reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), true],
    ['hang up', new Error('socket hang up'), true],
    ['SDK timeout', Object.assign(new Error('x'), { name: 'TimeoutError' }), true],
    [
      'a DynamoDB answer',
      Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' }),
      false,
    ],
    ['not an error', 'ECONNREFUSED', false],
  ];
  for (const [label, error, expected] of cases)
    it(`${label}: ${expected}`, () => assert.equal(isConnectionError(error), expected));
});
