/**
 * `sci serve` in-process: real HTTP on loopback, real signature, the local store (dynalite) and
 * the embedded engine running the pipeline of a real temporary git repository.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSession, type LocalSession } from '../../local/session.ts';
import { GitSource } from '../../src/source/git-source.ts';
import { createServeServer, listen } from '../../src/serve/http.ts';
import { createServeApp } from '../../src/serve/serve-app.ts';
import type { ServeApp } from '../../src/serve/serve-app.ts';
import { commitAll, initRepo } from '../git-repo.ts';
import { examples, postWebhook, signedRequest, TEST_SECRET } from '../github/helpers.ts';

const PIPELINE = `on:\n  push: { branches: [main] }\nsteps:\n  hello:\n    run: echo hello from serve\n  never:\n    needs: [hello]\n    if: branch == 'nope'\n    run: exit 1\n`;

const SKIP_ONLY = `on:\n  push: { branches: [main] }\nsteps:\n  never:\n    if: branch == 'nope'\n    run: exit 1\n`;

let root: string;
let repo: string;
let sha: string;
let skipSha: string;
let session: LocalSession;
let server: Server;
let app: ServeApp;
let base: string;
const previousHome = process.env.SCI_HOME;

function pushPayload(overrides: { sha?: string; repo?: string } = {}) {
  const payload = examples('push').find((p) => p.ref === 'refs/heads/master')!;
  payload.ref = 'refs/heads/main';
  payload.after = overrides.sha ?? sha;
  payload.head_commit = { ...(payload.head_commit as object), id: payload.after, message: 'change' };
  const repository = payload.repository as { full_name: string; clone_url: string; default_branch: string };
  repository.full_name = overrides.repo ?? 'Codertocat/Hello-World';
  repository.default_branch = 'main';
  return payload;
}

async function post(payload: unknown, delivery: string, secret = TEST_SECRET) {
  return postWebhook(base, await signedRequest('push', payload, delivery, secret));
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'sci-serve-'));
  repo = join(root, 'repo');
  sha = initRepo(repo, { '.sci/ci.yml': PIPELINE }, { origin: 'https://github.com/Codertocat/Hello-World.git' });
  // A second commit whose only step is skipped: the burst measures the webhook path, not builds.
  writeFileSync(join(repo, '.sci/ci.yml'), SKIP_ONLY);
  skipSha = commitAll(repo, 'skip-only');
  process.env.SCI_HOME = join(root, 'home');
  session = await openSession(repo);
  app = await createServeApp({
    repoDir: repo,
    secret: TEST_SECRET,
    session,
    source: new GitSource(repo),
    log: () => undefined,
    concurrency: 8,
  });
  server = createServeServer(app.handlers);
  base = `http://127.0.0.1:${await listen(server, 0)}`;
});

after(async () => {
  await new Promise((done) => server.close(done));
  await app.drained();
  app.close();
  await session.close();
  if (previousHome === undefined) delete process.env.SCI_HOME;
  else process.env.SCI_HOME = previousHome;
  rmSync(root, { recursive: true, force: true });
});

describe('sci serve', () => {
  test('a signed push runs the pipeline once on the engine; its redelivery runs nothing', async () => {
    const first = await post(pushPayload(), 'delivery-1');
    assert.equal(first.status, 202, first.body);
    assert.equal((await post(pushPayload(), 'delivery-1')).status, 200);
    await app.drained();
    const runs = await session.store.listRuns({});
    assert.equal(runs.length, 1);
    const run = (await session.store.getRun(runs[0]!.id))!;
    assert.equal(run.run.status, 'succeeded');
    assert.equal(run.run.sha, sha);
    assert.deepEqual(
      run.steps.map((s) => [s.key, s.status]),
      [
        ['hello', 'succeeded'],
        ['never', 'skipped'],
      ],
    );
    const home = await (await fetch(`${base}/api/home`)).text();
    assert.match(home, new RegExp(runs[0]!.id));
  });

  test('after a restart (fresh process memory) a redelivery is still recognised by the store', async () => {
    const restarted = await createServeApp({
      repoDir: repo,
      secret: TEST_SECRET,
      session,
      source: new GitSource(repo),
      log: () => undefined,
    });
    const request = await signedRequest('push', pushPayload(), 'delivery-1');
    assert.equal((await restarted.handlers.webhook(request)).status, 202);
    await restarted.drained();
    restarted.close();
    assert.equal((await session.store.listRuns({})).length, 1);
  });

  test('another repository, an unknown commit or a bad signature is refused with 4xx and starts nothing', async () => {
    const before = (await session.store.listRuns({})).length;
    const other = await post(pushPayload({ repo: 'Codertocat/Other' }), 'delivery-other');
    assert.equal(other.status, 403);
    const unknown = await post(pushPayload({ sha: 'f'.repeat(40) }), 'delivery-unknown');
    assert.equal(unknown.status, 403);
    assert.match(unknown.body, /is not in .*fetch it first/);
    assert.equal((await post(pushPayload(), 'delivery-bad', 'wrong secret')).status, 401);
    const malformed = await fetch(`${base}/webhook`, {
      method: 'POST',
      headers: { 'x-github-event': 'push' },
      body: '{',
    });
    assert.equal(malformed.status, 401);
    await app.drained();
    assert.equal((await session.store.listRuns({})).length, before);
  });

  test('a burst of 200 concurrent deliveries: no error, no lost and no doubled run', async () => {
    const before = (await session.store.listRuns({ limit: 1000 })).length;
    const payload = pushPayload({ sha: skipSha });
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => post(payload, `burst-${i}`)));
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [202]);
    // every delivery of the burst once more: all duplicates
    const again = await Promise.all(Array.from({ length: 200 }, (_, i) => post(payload, `burst-${i}`)));
    assert.deepEqual([...new Set(again.map((a) => a.status))], [200]);
    await app.drained();
    const runs = await session.store.listRuns({ limit: 1000 });
    assert.equal(runs.length - before, 200);
    assert.equal(new Set(runs.map((r) => r.id)).size, runs.length);
    assert.ok(
      runs.every((r) => r.status === 'succeeded'),
      JSON.stringify(runs.filter((r) => r.status !== 'succeeded').slice(0, 3)),
    );
  });
});
