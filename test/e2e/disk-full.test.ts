/**
 * A full disk under the state home (a 10 MB tmpfs mounted as SCI_HOME): a step whose log, or
 * whose artifacts, fill it fails with the reason, the run goes on to its `always()` step and
 * ends with exit 1, never a stack trace, and the store still opens afterwards.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { listedRuns, runsOf, SCI, sandbox, sci, step, type Sandbox } from './helpers.ts';

const boxes: Sandbox[] = [];
after(() => {
  for (const box of boxes) {
    execFileSync('umount', [box.home], { stdio: 'ignore' });
    box.cleanup();
  }
});

/** A sandbox whose SCI_HOME is a 10 MB tmpfs: only root can mount one (CI runs as root). */
function smallDiskSandbox(pipeline: string): Sandbox | undefined {
  if (process.getuid?.() !== 0 && process.env.CI !== 'true') return undefined;
  const box = sandbox({ '.sci/ci.yml': pipeline });
  mkdirSync(box.home);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=10m', 'tmpfs', box.home]);
  boxes.push(box);
  return box;
}

const skip = process.getuid?.() !== 0 && process.env.CI !== 'true' ? 'mounting a small tmpfs needs root' : false;

async function assertCleanFailure(
  box: Sandbox,
  failing: string,
  reason: RegExp,
  r = sci(box, 'run', '--json', '--no-containers'),
): Promise<void> {
  assert.equal(r.code, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /node:| {4}at |ENOSPC.*errno|internal error/, r.stderr);
  const [run] = runsOf(r.stdout);
  assert.equal(run?.status, 'failed');
  assert.equal(step(run!, failing).status, 'failed');
  // what sci show prints: the disk's reason, not the generic "failed (States.TaskFailed)"
  assert.match(step(run!, failing).reason ?? '', /^disk full while /);
  assert.equal(step(run!, 'after').status, 'succeeded', 'the run goes on after the step that filled the disk');
  const logs = readdirSync(`${box.home}/logs/${run!.id}`);
  assert.ok(logs.includes(`${failing}.log`));
  assert.match(readFileSync(`${box.home}/logs/${run!.id}/${failing}.log`, 'utf8'), reason);
  // the store opens again (as a `sci` command's session opens it, in this process), with the run as it ended
  assert.equal((await listedRuns(box)).find((r) => r.id === run!.id)?.status, 'failed');
  // no workspace left behind
  assert.deepEqual(
    existsSync(`${box.home}/work/${run!.id}`)
      ? readdirSync(`${box.home}/work/${run!.id}`).filter((n) => !n.startsWith('.commit-'))
      : [],
    [],
  );
}

const FLOOD = `name: ci
on: { push: {} }
steps:
  flood:
    run: head -c 30000000 /dev/zero | tr '\\0' x | fold -w 100
  after:
    needs: [flood]
    if: always()
    run: echo after
`;

test('a step whose log fills the disk fails with the reason; the run goes on and the store opens', {
  skip,
  timeout: 120_000,
}, async () => {
  const box = smallDiskSandbox(FLOOD);
  await assertCleanFailure(box!, 'flood', /\[sci\] failed: disk full while writing the step log \(ENOSPC/);
});

test('a step whose artifacts fill the disk fails with the reason; the run goes on and the store opens', {
  skip,
  timeout: 120_000,
}, async () => {
  const box = smallDiskSandbox(`name: ci
on: { push: {} }
steps:
  build:
    run: head -c 6000000 /dev/urandom > blob
    artifacts: [blob]
  after:
    needs: [build]
    if: always()
    run: echo after
`);
  await assertCleanFailure(box!, 'build', /\[sci\] failed: disk full while saving the step's files \(ENOSPC/);
});

test('a step whose log passes the file size limit (ulimit -f: EFBIG) fails with the reason; the run goes on', {
  timeout: 120_000,
}, async () => {
  // RLIMIT_FSIZE needs no root: sci run (and the store it starts) may write no file past 4 MB
  const box = sandbox({ '.sci/ci.yml': FLOOD });
  const ran = spawnSync(
    'bash',
    ['-c', 'ulimit -f 4096 && exec "$0" "$@"', process.execPath, SCI, 'run', '--json', '--no-containers'],
    {
      cwd: box.repo,
      env: { ...process.env, SCI_HOME: box.home },
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  await assertCleanFailure(box, 'flood', /\[sci\] failed: disk full while writing the step log \(EFBIG/, {
    code: ran.status,
    stdout: ran.stdout,
    stderr: ran.stderr,
  });
});
