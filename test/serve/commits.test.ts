/** The served clone's commit lookups through one `git cat-file --batch-check`, on a real repository. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitChecker, commitOf, type CommitChecker } from '../../src/serve/commits.ts';
import { commitAll, git as gitIn } from '../git-repo.ts';

let repo: string;
let commits: CommitChecker;
const git = (...args: string[]) => gitIn(repo, ...args);
const commit = (name: string) => {
  writeFileSync(join(repo, name), name);
  return commitAll(repo, name);
};

before(() => {
  repo = mkdtempSync(join(tmpdir(), 'sci-commits-'));
  git('init', '-q', '-b', 'main');
  commits = commitChecker(repo);
});

after(() => {
  commits.close();
  rmSync(repo, { recursive: true, force: true });
});

describe('commitChecker', () => {
  test('a burst of asks gets each its own answer, in order', async () => {
    const shas = [commit('a'), commit('b')];
    const missing = 'f'.repeat(40);
    const blob = git('rev-parse', 'HEAD:a');
    const asks = Array.from({ length: 60 }, (_, i) => [shas[0]!, missing, shas[1]!, blob][i % 4]!);
    const answers = await Promise.all(asks.map((sha) => commits.has(sha)));
    assert.deepEqual(
      answers,
      asks.map((sha) => shas.includes(sha)),
    );
  });

  test('a commit that arrives after a miss is found on the next ask (fetch, then redeliver)', async () => {
    git('checkout', '-q', '-b', 'side');
    const later = commit('later');
    git('checkout', '-q', 'main');
    git('branch', '-q', '-D', 'side');
    git('reflog', 'expire', '--expire=now', '--all');
    git('gc', '-q', '--prune=now');
    assert.equal(await commits.has(later), false, 'gone after gc');
    const again = commit('later');
    assert.equal(await commits.has(again), true);
  });

  test('anything but a full object id is refused without asking git', async () => {
    for (const sha of ['HEAD', 'main', 'abc123', `${'a'.repeat(40)}\n${'b'.repeat(40)}`, ''])
      assert.equal(await commits.has(sha), false, sha);
  });

  test('a directory that is not a repository answers false, not an error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sci-not-a-repo-'));
    const elsewhere = commitChecker(dir);
    assert.equal(await elsewhere.has('a'.repeat(40)), false);
    elsewhere.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('commitOf', () => {
  test('push after, pull request head, none for a deleted ref', () => {
    assert.equal(commitOf({ after: 'a'.repeat(40) }, 'push'), 'a'.repeat(40));
    assert.equal(commitOf({ after: '0'.repeat(40) }, 'push'), undefined);
    assert.equal(commitOf({ pull_request: { head: { sha: 'b'.repeat(40) } } }, 'pull_request'), 'b'.repeat(40));
  });
});
