/**
 * A workspace's in-process copy of a small checkout (local/build-runner/copy-tree.ts) against `cp -R` itself, the
 * copy it stands in for: the same folders, files, contents, modes and links, on a real tree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copySmallTree } from '../../../local/build-runner/copy-tree.ts';

const root = mkdtempSync(join(tmpdir(), 'sci-copy-tree-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

/** Every entry under `dir`: its kind, mode, and contents or link target. */
function describe(dir: string, at = ''): string[] {
  return readdirSync(join(dir, at))
    .sort()
    .flatMap((name) => {
      const path = join(at, name);
      const stat = lstatSync(join(dir, path));
      const mode = (stat.mode & 0o7777).toString(8);
      if (stat.isSymbolicLink()) return [`${path} link ${readlinkSync(join(dir, path))}`];
      if (stat.isDirectory()) return [`${path}/ ${mode}`, ...describe(dir, path)];
      return [`${path} ${mode} ${readFileSync(join(dir, path), 'utf8')}`];
    });
}

function tree(name: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'src', 'deep', 'er'), { recursive: true });
  mkdirSync(join(dir, 'empty'));
  writeFileSync(join(dir, 'README.md'), 'read me\n');
  writeFileSync(join(dir, 'src', 'deep', 'er', 'é and space.txt'), 'odd\n');
  writeFileSync(join(dir, 'build.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  writeFileSync(join(dir, 'private'), 'secret\n', { mode: 0o600 });
  chmodSync(join(dir, 'src'), 0o775);
  symlinkSync('../README.md', join(dir, 'src', 'readme-link'));
  symlinkSync('/nowhere/at/all', join(dir, 'dangling'));
  symlinkSync('src', join(dir, 'src-link'));
  return dir;
}

test('a small tree is copied as cp -R copies it: folders, files, contents, modes less the umask, links as links', () => {
  const from = tree('small');
  execFileSync('cp', ['-R', from, join(root, 'by-cp')]);
  assert.equal(copySmallTree(from, join(root, 'in-process'), 100), true);
  const expected = describe(join(root, 'by-cp'));
  assert.ok(expected.includes('src/readme-link link ../README.md'));
  assert.ok(expected.includes('empty/ 755'));
  assert.deepEqual(describe(join(root, 'in-process')), expected);
  // a copy, not the same files: writing one leaves the other as it was
  writeFileSync(join(root, 'in-process', 'README.md'), 'changed\n');
  assert.equal(readFileSync(join(from, 'README.md'), 'utf8'), 'read me\n');
});

test('under a stricter umask the modes lose the same bits as with cp', () => {
  const from = tree('umask');
  const old = process.umask(0o077);
  try {
    execFileSync('cp', ['-R', from, join(root, 'umask-cp')]);
    assert.equal(copySmallTree(from, join(root, 'umask-in-process'), 100), true);
  } finally {
    process.umask(old);
  }
  const expected = describe(join(root, 'umask-cp'));
  assert.ok(expected.includes('build.sh 700 #!/bin/sh\necho hi\n'));
  assert.deepEqual(describe(join(root, 'umask-in-process')), expected);
});

test('more entries than the limit, or a special file: nothing is written and cp is left to do it', () => {
  const from = tree('large');
  // 11 entries, 5 allowed
  assert.equal(copySmallTree(from, join(root, 'large-copy'), 5), false);
  assert.equal(existsSync(join(root, 'large-copy')), false);
  execFileSync('mkfifo', [join(from, 'fifo')]);
  assert.equal(copySmallTree(from, join(root, 'fifo-copy'), 100), false);
  assert.equal(existsSync(join(root, 'fifo-copy')), false);
});
