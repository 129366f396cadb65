/**
 * A `.sci` directory or a file under it that is a symbolic link is refused the same way by
 * `sci validate` (the working tree) and `sci run` (the commit): a link can point outside the
 * repository, and each source would read a different thing through it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sandbox, sci, type Sandbox } from './helpers.ts';

const GOOD = 'on: { push: {} }\nsteps:\n  a:\n    run: echo ok\n';

function commitAll(box: Sandbox): void {
  execFileSync('git', ['-C', box.repo, 'add', '-A'], { stdio: 'ignore' });
  execFileSync('git', ['-C', box.repo, 'commit', '-q', '-m', 'links'], { stdio: 'ignore' });
}

/** validate (the working tree) and run (the commit) both refuse with exactly `expected`. */
function refusedByBoth(box: Sandbox, expected: string): void {
  const validate = sci(box, 'validate');
  assert.equal(validate.code, 1, validate.stderr);
  assert.equal(validate.stderr, expected);
  const run = sci(box, 'run', '--no-containers');
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stderr, expected);
}

test('a pipeline file that is a symbolic link out of the repository is refused by validate and by run, at the file', () => {
  const box = sandbox({ '.sci/ci.yml': GOOD, 'outside/evil.yml': GOOD });
  const outside = join(box.root, 'evil.yml');
  writeFileSync(outside, GOOD);
  symlinkSync(outside, join(box.repo, '.sci/evil.yml'));
  commitAll(box);
  const expected = `.sci/evil.yml:1:1: a file under .sci/ can't be a symbolic link (this one points to ${JSON.stringify(outside)}): commit the file itself\n`;
  refusedByBoth(box, expected);
});

test('a .sci directory that is a symbolic link is refused by validate and by run', () => {
  const box = sandbox({ 'elsewhere/.keep': '' });
  mkdirSync(join(box.root, 'pipelines'));
  writeFileSync(join(box.root, 'pipelines/ci.yml'), GOOD);
  symlinkSync(join(box.root, 'pipelines'), join(box.repo, '.sci'));
  commitAll(box);
  const expected = `.sci:1:1: the .sci directory can't be a symbolic link (this one points to ${JSON.stringify(join(box.root, 'pipelines'))}): commit the file itself\n`;
  refusedByBoth(box, expected);
  // the same files, moved in for real, are fine
  execFileSync('git', ['-C', box.repo, 'rm', '-q', '.sci'], { stdio: 'ignore' });
  renameSync(join(box.root, 'pipelines'), join(box.repo, '.sci'));
  assert.equal(sci(box, 'validate').code, 0);
});
