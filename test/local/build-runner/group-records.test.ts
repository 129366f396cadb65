import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  endRecordedGroups,
  procState,
  writeGroupRecord,
  type GroupRecord,
} from '../../../local/build-runner/group-records.ts';
import { spawnGroup, type GroupProcess } from '../../../local/build-runner/process-group.ts';
import { runProcsDir, stepProcFile } from '../../../local/home.ts';
import { isAlive } from '../../../local/store/lock.ts';

const home = mkdtempSync(join(tmpdir(), 'sci-procs-'));
const started: GroupProcess[] = [];
after(async () => {
  await Promise.all(started.map((p) => p.kill()));
  rmSync(home, { recursive: true, force: true });
});

function sleeper(): GroupProcess {
  const proc = spawnGroup('sleep', ['30'], home, {});
  started.push(proc);
  return proc;
}

function editRecord(file: string, change: Partial<GroupRecord>): void {
  writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, 'utf8')) as GroupRecord), ...change }));
}

describe('process group records', { skip: !existsSync('/proc/self/stat') && 'needs /proc' }, () => {
  it('reads the start time after a command name holding spaces and parentheses', () => {
    const root = mkdtempSync(join(tmpdir(), 'sci-fakeproc-'));
    mkdirSync(join(root, '42'));
    const rest = ['S', ...Array.from({ length: 18 }, (_, i) => String(i + 4)), '987654', '0'];
    writeFileSync(join(root, '42', 'stat'), `42 (a) (b c) ${rest.join(' ')}\n`);
    assert.deepEqual(procState(42, root), { startedAt: '987654', zombie: false });
    assert.equal(procState(43, root), undefined);
    rmSync(root, { recursive: true });
  });

  it('ends a recorded group whose leader is the recorded process, and removes the record', async () => {
    const proc = sleeper();
    const file = stepProcFile(home, 'run1', 'build');
    await writeGroupRecord(file, proc.pid);
    const record = JSON.parse(readFileSync(file, 'utf8')) as GroupRecord;
    assert.equal(record.pgid, proc.pid);
    assert.equal(record.startedAt, procState(proc.pid)?.startedAt);
    assert.equal(await endRecordedGroups(home, 'run1'), 1);
    assert.equal(await proc.exited, 143);
    assert.equal(existsSync(runProcsDir(home, 'run1')), false);
  });

  it('never signals a pid whose start time differs from the record (the pid was reused)', async () => {
    const proc = sleeper();
    const file = stepProcFile(home, 'run2', 'build');
    await writeGroupRecord(file, proc.pid);
    editRecord(file, { startedAt: '1' });
    assert.equal(await endRecordedGroups(home, 'run2'), 0);
    assert.ok(isAlive(proc.pid), 'an unrelated process was killed');
    assert.equal(existsSync(file), false);
  });

  it('leaves groups recorded by another host alone', async () => {
    const proc = sleeper();
    const file = stepProcFile(home, 'run3', 'build');
    await writeGroupRecord(file, proc.pid);
    editRecord(file, { host: 'elsewhere.invalid' });
    assert.equal(await endRecordedGroups(home, 'run3'), 0);
    assert.ok(isAlive(proc.pid));
    assert.ok(existsSync(file));
  });

  it('signals nothing when start times cannot be read', async () => {
    const proc = sleeper();
    await writeGroupRecord(stepProcFile(home, 'run4', 'build'), proc.pid);
    assert.equal(await endRecordedGroups(home, 'run4', join(home, 'no-proc')), 0);
    assert.ok(isAlive(proc.pid));
  });
});
