/**
 * What `sci run` reads of the repository (local/git-facts.ts), on real repositories: the commit and branch come
 * from one git process, so each shape of HEAD is pinned here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changedFilesAtHead, readGitFacts } from '../../local/git-facts.ts';
import { commitAll, git, initRepo } from '../git-repo.ts';

const root = mkdtempSync(join(tmpdir(), 'sci-git-facts-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

test('a branch checkout: its commit, its name (with slashes), the files the commit changed, the origin name', async () => {
  const repo = join(root, 'branch');
  initRepo(repo, { 'a.txt': 'a\n' }, { branch: 'feature/x', origin: 'git@github.com:octo/hello.git' });
  writeFileSync(join(repo, 'b.txt'), 'b\n');
  const sha = commitAll(repo, 'second');
  const facts = await readGitFacts(repo);
  assert.equal(facts.sha, sha);
  assert.equal(facts.branch, 'feature/x');
  assert.deepEqual(await changedFilesAtHead(repo), ['b.txt']);
  assert.equal(facts.repo, 'octo/hello');
  assert.equal(facts.repoUrl, 'git@github.com:octo/hello.git');
});

test('a detached HEAD has no branch; a first commit has no changed files (path filters then match)', async () => {
  const repo = join(root, 'detached');
  const sha = initRepo(repo, { 'a.txt': 'a\n' });
  git(repo, 'checkout', '-q', '--detach');
  const facts = await readGitFacts(repo);
  assert.equal(facts.sha, sha);
  assert.equal(facts.branch, '');
  assert.equal(await changedFilesAtHead(repo), undefined);
  assert.equal(facts.repo, 'local/detached');
});

test('a file named HEAD in the work tree changes nothing', async () => {
  const repo = join(root, 'file-head');
  const sha = initRepo(repo, { HEAD: 'not a revision\n' });
  const facts = await readGitFacts(repo);
  assert.equal(facts.sha, sha);
  assert.equal(facts.branch, 'main');
});

test('a repository without a commit, or no repository, is an error in words', async () => {
  const empty = join(root, 'empty');
  mkdirSync(empty);
  git(empty, 'init', '-q', '-b', 'main');
  await assert.rejects(readGitFacts(empty), /is not a git repository with at least one commit/);
  const plain = join(root, 'plain');
  mkdirSync(plain);
  await assert.rejects(readGitFacts(plain), /is not a git repository with at least one commit/);
});
