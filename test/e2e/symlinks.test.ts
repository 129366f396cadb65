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
import { sandbox, sci, stepLog, type Sandbox } from './helpers.ts';

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

test('node_modules/.bin links passed as artifacts work in the consuming step; links out of the artifacts are not kept', {
  timeout: 120_000,
}, () => {
  const box = sandbox({
    '.sci/links.yml': `on: { push: {} }
steps:
  install:
    run:
      - mkdir -p node_modules/tool/bin node_modules/.bin
      - echo 1.2.3 > node_modules/tool/VERSION
      - printf '#!/bin/sh\\ncat "$(dirname "$(readlink -f "$0")")/../VERSION"\\n' > node_modules/tool/bin/tool
      - chmod +x node_modules/tool/bin/tool
      - ln -s ../tool/bin/tool node_modules/.bin/tool
      - ln -s /etc/hostname node_modules/.bin/host-file
      - ln -s ../../../../outside node_modules/.bin/escape
    artifacts: [node_modules/**]
  use:
    needs: [install]
    run:
      - test "$(readlink node_modules/.bin/tool)" = ../tool/bin/tool
      - test "$(node_modules/.bin/tool)" = 1.2.3
      - test ! -e node_modules/.bin/host-file && test ! -L node_modules/.bin/host-file
      - test ! -L node_modules/.bin/escape
`,
  });
  const r = sci(box, 'run', '--no-containers');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const id = /sci show (\S+)/.exec(r.stdout)?.[1] as string;
  const log = stepLog(box, id, 'install');
  assert.match(
    log,
    /artifact node_modules\/\.bin\/host-file -> \/etc\/hostname not kept: a symbolic link must be relative/,
  );
  assert.match(log, /artifact node_modules\/\.bin\/escape -> \.\.\/\.\.\/\.\.\/\.\.\/outside not kept/);
});
