/**
 * The GitHub adapters through the real Octokit, with its `fetch` answering like the REST API:
 * pipeline files come from the tree and blobs of the exact commit, statuses are posted as given.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Octokit } from '@octokit/rest';
import { GitHubRepositoryReader } from '../../src/github/repository.ts';
import { GitHubStatusReporter } from '../../src/github/status.ts';

const SHA = 'c'.repeat(40);

function fakeGitHub() {
  const calls: Array<{ method: string; path: string; body?: unknown }> = [];
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const fetch = async (url: string | URL, init?: RequestInit) => {
    const pathname = decodeURIComponent(new URL(String(url)).pathname);
    calls.push({
      method: init?.method ?? 'GET',
      path: pathname,
      ...(init?.body ? { body: JSON.parse(String(init.body)) } : {}),
    });
    if (pathname === `/repos/o/r/git/trees/${SHA}`)
      return json({
        sha: SHA,
        truncated: false,
        tree: [
          { path: 'src', type: 'tree', sha: 's1' },
          { path: '.sci', type: 'tree', sha: 'sci-tree' },
        ],
      });
    if (pathname === '/repos/o/r/git/trees/sci-tree') {
      return json({
        sha: 'sci-tree',
        truncated: false,
        tree: [
          { path: 'ci.yml', type: 'blob', mode: '100644', sha: 'b1' },
          { path: 'deploy', type: 'tree', mode: '040000', sha: 't2' },
          { path: 'deploy/prod.yaml', type: 'blob', mode: '100644', sha: 'b2' },
          { path: 'README.md', type: 'blob', mode: '100644', sha: 'b3' },
          { path: 'evil.yml', type: 'blob', mode: '120000', sha: 'l1' },
        ],
      });
    }
    if (pathname === '/repos/o/r/git/blobs/b1')
      return json({ content: Buffer.from('steps: {}\n').toString('base64'), encoding: 'base64' });
    if (pathname === '/repos/o/r/git/blobs/b2')
      return json({ content: Buffer.from('on: {}\n').toString('base64'), encoding: 'base64' });
    if (pathname === '/repos/o/r/git/blobs/l1')
      return json({ content: Buffer.from('../../etc/passwd').toString('base64'), encoding: 'base64' });
    if (pathname === '/repos/o/r/git/ref/heads/main') return json({ object: { sha: SHA } });
    if (pathname === '/repos/o/r/compare/a...b')
      return json({ files: [{ filename: 'src/x.ts' }, { filename: 'docs/y.md' }] });
    if (pathname === `/repos/o/r/statuses/${SHA}`) return json({ id: 1 }, 201);
    return json({ message: 'Not Found' }, 404);
  };
  const octokit = new Octokit({ auth: 'token', request: { fetch } });
  return { calls, clients: async () => octokit };
}

describe('GitHub adapters', () => {
  test('pipeline files are the .yml/.yaml blobs under .sci/ of the exact commit; a symbolic link comes as one (mode 120000)', async () => {
    const gh = fakeGitHub();
    const files = await new GitHubRepositoryReader(gh.clients).source('o/r').readPipelineFiles(SHA);
    assert.deepEqual(files, [
      { path: '.sci/ci.yml', text: 'steps: {}\n' },
      { path: '.sci/deploy/prod.yaml', text: 'on: {}\n' },
      { path: '.sci/evil.yml', text: '', symlink: '../../etc/passwd' },
    ]);
    assert.ok(
      gh.calls.every((c) => !c.path.includes('/contents/')),
      'never reads by branch name',
    );
  });

  test('branch heads and changed files', async () => {
    const reader = new GitHubRepositoryReader(fakeGitHub().clients);
    assert.equal(await reader.resolveBranch('o/r', 'main'), SHA);
    assert.deepEqual(await reader.changedFiles('o/r', 'a', 'b'), ['docs/y.md', 'src/x.ts']);
    assert.equal(await reader.changedFiles('o/r', '0'.repeat(40), 'b'), undefined);
  });

  test('a commit status carries context, state, target_url and a description cut to 140 chars', async () => {
    const gh = fakeGitHub();
    await new GitHubStatusReporter(gh.clients).setStatus('o/r', SHA, {
      context: 'sci/ci',
      state: 'failure',
      description: `.sci/ci.yml:3:5: ${'x'.repeat(200)}`,
      targetUrl: 'https://console',
    });
    const post = gh.calls.find((c) => c.method === 'POST')!;
    const body = post.body as { state: string; context: string; target_url: string; description: string };
    assert.equal(post.path, `/repos/o/r/statuses/${SHA}`);
    assert.deepEqual([body.state, body.context, body.target_url], ['failure', 'sci/ci', 'https://console']);
    assert.equal(body.description.length, 140);
    assert.ok(body.description.startsWith('.sci/ci.yml:3:5: '));
  });
});
