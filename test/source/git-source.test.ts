/** Reading pipelines from a real git repository at exact commits, and from the working tree. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
  await assert.rejects(new GitSource(dir).readPipelineFiles(sha.slice(0, 12)), /git ls-tree failed/);
});

test('GitSource refuses what is not a commit id and reports git failures', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sci-git-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('git', ['init', '-q', dir]);
  const source = new GitSource(dir);
  await assert.rejects(source.readPipelineFiles('--output=/tmp/x'), /not a commit id/);
  await assert.rejects(source.readPipelineFiles('deadbeef'), /git ls-tree failed/);
});

test('a directory without .sci/ has no pipelines', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sci-wt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(await readWorkingTreePipelines(dir), []);
});
