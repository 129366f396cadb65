/** Reading pipelines from a real git repository at exact commits, and from the working tree. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitSource } from '../../src/source/git-source.ts';
import { readWorkingTreePipelines } from '../../src/source/working-tree.ts';
import { commitAll, writeFiles } from '../git-repo.ts';

test('GitSource reads .sci/ files exactly as each commit has them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sci-git-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('git', ['init', '-q', dir]);
  writeFiles(dir, {
    '.sci/ci.yml': 'v1\n',
    '.sci/deploy/prod.yaml': 'prod\n',
    '.sci/notes.md': 'no',
    'ci.yml': 'outside',
  });
  const first = commitAll(dir, 'one');
  writeFiles(dir, { '.sci/ci.yml': 'v2\n', '.sci/new.yml': 'new\n' });
  const second = commitAll(dir, 'two');
  writeFiles(dir, { '.sci/ci.yml': 'uncommitted\n', '.sci/draft.yml': 'draft\n' });

  const source = new GitSource(dir);
  assert.deepEqual(await source.readPipelineFiles(first), [
    { path: '.sci/ci.yml', text: 'v1\n' },
    { path: '.sci/deploy/prod.yaml', text: 'prod\n' },
  ]);
  assert.deepEqual(
    (await source.readPipelineFiles(second)).map((f) => `${f.path}=${f.text.trim()}`),
    ['.sci/ci.yml=v2', '.sci/deploy/prod.yaml=prod', '.sci/new.yml=new'],
  );

  assert.deepEqual(
    (await readWorkingTreePipelines(dir)).map((f) => `${f.path}=${f.text.trim()}`),
    ['.sci/ci.yml=uncommitted', '.sci/deploy/prod.yaml=prod', '.sci/draft.yml=draft', '.sci/new.yml=new'],
  );
});

test('GitSource reads a commit once per process (it never changes); an abbreviated name is read each time', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sci-git-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('git', ['init', '-q', dir]);
  writeFiles(dir, { '.sci/ci.yml': 'v1\n' });
  const sha = commitAll(dir, 'one');
  const first = await new GitSource(dir).readPipelineFiles(sha);
  assert.deepEqual(first, [{ path: '.sci/ci.yml', text: 'v1\n' }]);
  first[0]!.text = 'changed by a reader';
  // with git's objects gone, only what was read before can answer
  rmSync(join(dir, '.git'), { recursive: true, force: true });
  assert.deepEqual(await new GitSource(dir).readPipelineFiles(sha), [{ path: '.sci/ci.yml', text: 'v1\n' }]);
  await assert.rejects(new GitSource(dir).readPipelineFiles(sha.slice(0, 12)), /git cat-file failed/);
});

test('GitSource refuses what is not a commit id and reports git failures', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sci-git-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('git', ['init', '-q', dir]);
  const source = new GitSource(dir);
  await assert.rejects(source.readPipelineFiles('--output=/tmp/x'), /not a commit id/);
  await assert.rejects(source.readPipelineFiles('deadbeef'), /git cat-file failed in .*: deadbeef names no commit/);
});

test('GitSource lists what `git ls-tree -r -- .sci` lists: nested folders, odd names, links; .sci as a link or a file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sci-git-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('git', ['init', '-q', dir]);
  writeFiles(dir, {
    '.sci/a/b/c/deep.yml': 'deep\n',
    '.sci/a/b/é and space.yaml': 'odd\n',
    '.sci/a/readme.md': 'not a pipeline',
    '.sci/z.yml': 'z\n',
    '.scx/other.yml': 'beside',
    'sci.yml': 'outside',
  });
  symlinkSync('../z.yml', join(dir, '.sci', 'a', 'linked.yml'));
  symlinkSync('/etc/passwd', join(dir, '.sci', 'notes'));
  const sha = commitAll(dir, 'one');
  const lsTree = (at: string) =>
    execFileSync('git', ['-C', dir, 'ls-tree', '-r', '-z', at, '--', '.sci'], { encoding: 'utf8' })
      .split('\0')
      .filter((e) => e !== '')
      .map((e) => ({ link: e.startsWith('120000 '), path: e.slice(e.indexOf('\t') + 1) }))
      .filter((e) => e.link || /\.ya?ml$/.test(e.path))
      .map((e) => e.path)
      .sort((a, b) => a.localeCompare(b));
  const files = await new GitSource(dir).readPipelineFiles(sha);
  assert.deepEqual(
    files.map((f) => f.path),
    lsTree(sha),
  );
  assert.deepEqual(files, [
    { path: '.sci/a/b/c/deep.yml', text: 'deep\n' },
    { path: '.sci/a/b/é and space.yaml', text: 'odd\n' },
    { path: '.sci/a/linked.yml', text: '', symlink: '../z.yml' },
    { path: '.sci/notes', text: '', symlink: '/etc/passwd' },
    { path: '.sci/z.yml', text: 'z\n' },
  ]);

  // .sci itself a link: listed as one; .sci a file: nothing
  execFileSync('git', ['-C', dir, 'rm', '-rq', '.sci']);
  symlinkSync('elsewhere', join(dir, '.sci'));
  const linked = commitAll(dir, 'two');
  assert.deepEqual(await new GitSource(dir).readPipelineFiles(linked), [
    { path: '.sci', text: '', symlink: 'elsewhere' },
  ]);
  assert.deepEqual(lsTree(linked), ['.sci']);
  rmSync(join(dir, '.sci'));
  writeFiles(dir, { '.sci': 'a file\n' });
  const file = commitAll(dir, 'three');
  assert.deepEqual(await new GitSource(dir).readPipelineFiles(file), []);
  assert.deepEqual(lsTree(file), []);
});

test('a directory without .sci/ has no pipelines', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sci-wt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(await readWorkingTreePipelines(dir), []);
});
