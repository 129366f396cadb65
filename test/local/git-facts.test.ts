/**
 * What `sci run` reads of the repository (local/git-facts.ts), on real repositories: the root, commit and branch
 * come from one git process and the origin's URL and the user's name from one `git config`, so each shape of HEAD
 * and the URL rewrites `git remote get-url` applies are pinned here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changedFilesAtHead, readGitFacts, rewriteUrl } from '../../local/git-facts.ts';
import { repositoryRoot } from '../../local/home.ts';
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

test('the origin URL as `git remote get-url` gives it: the longest insteadOf rewrite, the first URL; the user name', async () => {
  const repo = join(root, 'rewritten');
  initRepo(repo, { 'a.txt': 'a\n' }, { origin: 'https://github.com/octo/hello.git' });
  git(repo, 'remote', 'set-url', '--add', 'origin', 'https://example.com/other/repo.git');
  git(repo, 'config', 'url.git@github.com:.insteadOf', 'https://github.com/');
  git(repo, 'config', 'url.ssh://mirror/.insteadOf', 'https://github.com/oc');
  git(repo, 'config', '--add', 'url.ssh://mirror/.insteadOf', 'https://github.com/octo/');
  git(repo, 'config', 'url.ssh://tie/.insteadOf', 'https://github.com/octo/');
  git(repo, 'config', 'user.name', 'Ada Lovelace');
  const expected = execFileSync('git', ['-C', repo, 'remote', 'get-url', 'origin'], { encoding: 'utf8' }).trim();
  assert.equal(expected, 'ssh://mirror/hello.git');
  const facts = await readGitFacts(repo);
  assert.equal(facts.repoUrl, expected);
  assert.equal(facts.repo, 'mirror/hello');
  assert.equal(facts.actor, 'Ada Lovelace');
});

test('from a folder inside the work tree: the root is the work tree, as repositoryRoot finds it', async () => {
  const repo = join(root, 'nested');
  const sha = initRepo(repo, { 'sub/dir/a.txt': 'a\n' });
  const facts = await readGitFacts(join(repo, 'sub', 'dir'));
  assert.equal(facts.root, realpathSync(repo));
  assert.equal(facts.sha, sha);
  assert.equal(facts.repo, 'local/nested');
  assert.equal(facts.repoUrl, `file://${realpathSync(repo)}`);
  assert.equal(repositoryRoot(join(repo, 'sub', 'dir')), facts.root);
});

test('rewriteUrl: no match, an empty prefix never applies, a longer prefix wins over an earlier one', () => {
  const rules = new Map([
    ['A:', ['https://h/', '']],
    ['B:', ['https://h/o/']],
  ]);
  assert.equal(rewriteUrl('ssh://x/y', rules), 'ssh://x/y');
  assert.equal(rewriteUrl('https://h/p/q', rules), 'A:p/q');
  assert.equal(rewriteUrl('https://h/o/q', rules), 'B:q');
});
