/**
 * `sci serve` on loopback: signed push deliveries posted over HTTP, `inFlight` at a time, through
 * the real ingress (signature, delivery record in the local dynalite store, in-process queue) and
 * the local dispatcher (files read from git at the sha, validation, trigger matching). The
 * pipeline does not match the pushed branch, so no execution runs: this measures the webhook path.
 */
import { execFileSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openSession } from '../local/session.ts';
import { GitSource } from '../src/source/git-source.ts';
import { createServeServer, listen } from '../src/serve/http.ts';
import { createServeApp } from '../src/serve/serve-app.ts';
import { git, initRepo } from '../test/git-repo.ts';
import { examples, signedRequest, TEST_SECRET } from '../test/github/helpers.ts';

/** `count` empty commits on top of HEAD in one `git fast-import` (same tree, so the same pipelines). */
function emptyCommits(repo: string, head: string, count: number): string[] {
  const stream = Array.from(
    { length: count },
    (_, i) =>
      `commit refs/heads/bench\nmark :${i + 1}\ncommitter b <b@b> ${i} +0000\ndata 2\n${i % 10}\n${i === 0 ? `from ${head}` : `from :${i}`}\n`,
  ).join('');
  execFileSync('git', ['-C', repo, 'fast-import', '--quiet'], { input: stream });
  return git(repo, 'rev-list', `--max-count=${count}`, 'refs/heads/bench').split('\n').reverse();
}

/**
 * `distinctCommits`: each delivery is a push of its own commit (a burst of pushes); otherwise
 * every delivery names the same commit (one push redelivered under many GUIDs).
 */
export async function benchServe(count = 400, inFlight = 25, distinctCommits = false) {
  const root = mkdtempSync(join(tmpdir(), 'sci-bench-serve-'));
  const repo = join(root, 'repo');
  mkdirSync(join(repo, '.sci'), { recursive: true });
  writeFileSync(join(repo, '.sci/ci.yml'), 'on:\n  push: { branches: [release] }\nsteps:\n  build:\n    run: make\n');
  const head = initRepo(repo, {}, { message: 'bench' });
  const previousHome = process.env.SCI_HOME;
  process.env.SCI_HOME = join(root, 'home');
  const session = await openSession(repo);
  try {
    const app = await createServeApp({
      repoDir: repo,
      secret: TEST_SECRET,
      session,
      source: new GitSource(repo),
      log: () => undefined,
    });
    const server = createServeServer(app.handlers);
    const port = await listen(server, 0);
    // A keep-alive agent like GitHub's senders; fetch (undici) costs more CPU than the server itself.
    const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
    const post = (r: { headers: Record<string, string>; body: string }) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/webhook', method: 'POST', headers: r.headers, agent },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(r.body);
      });
    const payload = examples('push').find((p) => p.ref === 'refs/heads/master')!;
    const shas = distinctCommits ? emptyCommits(repo, head, count) : [head];
    const requests = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        signedRequest('push', { ...payload, after: shas[i % shas.length] }, `bench-${i}`),
      ),
    );
    const latencies: number[] = [];
    let next = 0;
    let errors = 0;
    const worker = async () => {
      while (next < requests.length) {
        const r = requests[next++]!;
        const t0 = performance.now();
        const status = await post(r);
        latencies.push(performance.now() - t0);
        if (status !== 202) errors += 1;
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: inFlight }, worker));
    const accepted = performance.now() - t0;
    await app.drained();
    const drained = performance.now() - t0;
    agent.destroy();
    await new Promise((done) => server.close(done));
    app.close();
    latencies.sort((a, b) => a - b);
    return {
      count,
      inFlight,
      distinctCommits,
      errors,
      perSecond: count / (accepted / 1000),
      p99: latencies[Math.floor(count * 0.99)] ?? 0,
      dispatchedPerSecond: count / (drained / 1000),
    };
  } finally {
    await session.close();
    if (previousHome === undefined) delete process.env.SCI_HOME;
    else process.env.SCI_HOME = previousHome;
    rmSync(root, { recursive: true, force: true });
  }
}
