/**
 * Where commands look: read-only commands outside any repository never create a state home in
 * the current directory, and repository commands run from a subdirectory act on the repository
 * root (its `.sci/`, its `.sci-state`), as git does.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runsOf, sandbox, SCI } from './helpers.ts';

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** `sci ...args` in `cwd`, with no SCI_HOME: the home is found from where it is called. */
function sciIn(cwd: string, ...args: string[]) {
  const env = { ...process.env };
  delete env.SCI_HOME;
  const r = spawnSync(process.execPath, [SCI, ...args], { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('read-only commands outside a repository create no .sci-state where they are called', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sci-not-a-repo-'));
  made.push(dir);
  const show = sciIn(dir, 'show', '01JD0000000000000000000000');
  assert.equal(show.code, 1, show.stderr);
  assert.match(show.stderr, /^sci show: no local runs: .*\.sci-state does not exist/);
  const runs = sciIn(dir, 'runs');
  assert.equal(runs.code, 0, runs.stderr);
  assert.match(runs.stdout, /no runs yet/);
  assert.equal(sciIn(dir, 'runs', '--json').stdout, '');
  for (const args of [
    ['logs', '01JD0000000000000000000000', 'build'],
    ['cancel', '01JD0000000000000000000000'],
    ['envs'],
  ]) {
    const r = sciIn(dir, ...args);
    assert.equal(r.code, 1, `${args[0]}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /internal error/);
  }
  assert.deepEqual(readdirSync(dir), [], 'nothing was created in the current directory');
});

test('validate and run from a subdirectory act on the repository root, as git does', () => {
  const box = sandbox({
    '.sci/ci.yml': 'name: ci\non: { push: {} }\nsteps:\n  hello:\n    run: test -f .sci/ci.yml && echo "at the root"\n',
    'src/deep/file.txt': 'x\n',
  });
  made.push(box.root);
  const sub = join(box.repo, 'src', 'deep');
  const validate = sciIn(sub, 'validate');
  assert.equal(validate.code, 0, validate.stderr);
  assert.equal(validate.stdout, 'ok: 1 pipeline\n');
  const run = sciIn(sub, 'run', '--json', '--no-containers');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(runsOf(run.stdout)[0]?.status, 'succeeded');
  assert.ok(existsSync(join(box.repo, '.sci-state')), "the state home is the repository root's");
  assert.ok(!existsSync(join(sub, '.sci-state')), 'no state home in the subdirectory');
  // and a read-only command from another subdirectory sees that run
  mkdirSync(join(box.repo, 'docs'));
  const listed = sciIn(join(box.repo, 'docs'), 'runs', '--json');
  assert.equal(runsOf(listed.stdout).length, 1, listed.stderr);
});
