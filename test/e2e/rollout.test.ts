/**
 * A `local` canary through the real CLI against real HTTP servers: `sci run` serves the weighted
 * proxy, steady client traffic flows through it, and the proxy counts the candidate's 5xx itself.
 * A healthy candidate reaches 100 % and records a release; one answering 30 % 5xx is rolled back
 * at the first weight with the reason, records nothing, and stable then takes every request
 * (checked by a later step that curls the proxy).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { runsOf, sandbox, sciAsync, step, type RunJson, type Sandbox } from './helpers.ts';

/** A server answering its name; `failing(n)` makes the n-th request (from 0) a 503. */
async function server(
  name: string,
  failing: (n: number) => boolean = () => false,
): Promise<{ server: Server; port: number }> {
  let n = 0;
  const s = createServer((_req, res) => {
    const fail = failing(n++);
    res.writeHead(fail ? 503 : 200, { 'content-type': 'text/plain' }).end(name);
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return { server: s, port: (s.address() as AddressInfo).port };
}

async function freePort(): Promise<number> {
  const { server: s, port } = await server('probe');
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** One GET through `agent`; the status, or 0 when the connection is refused (the proxy is not open yet). */
function get(port: number, agent: Agent): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

/**
 * Requests through the proxy on two kept-alive connections with a short pause (at most ~50 a
 * second, 20,000 in all) until `stop` is set. The proxy sends exactly `weight` % of them to the
 * candidate, so the analysis's 2 requests at 10 % need 20 in an interval of 3 s: ~50 a second
 * gives seven times that, still three times at 20 a second; more only cost CPU, in this process
 * and in the proxy (it was ~500 a second, then ~100).
 */
async function traffic(port: number, stop: { done: boolean }): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  let answered = 0;
  let sent = 0;
  const worker = async () => {
    while (!stop.done && sent++ < 20_000) {
      if ((await get(port, agent)) > 0) answered += 1;
      await sleep(40);
    }
  };
  await Promise.all([worker(), worker()]);
  agent.destroy();
  return answered;
}

function pipeline(environment: string, listen: number, stable: number, candidate: number, expect: string): string {
  return `
steps:
  canary:
    environment: ${environment}
    rollout:
      target:
        local: { listen: ${listen}, stable: "http://127.0.0.1:${stable}", candidate: "http://127.0.0.1:${candidate}" }
      weights: [10, 100]
      interval: 3s
      analysis: { max_error_rate: 2%, min_requests: 2 }
  afterwards:
    needs: [canary]
    if: always()
    run: for i in $(seq 20); do test "$(curl -s http://127.0.0.1:${listen}/)" = ${expect} || exit 1; done
`;
}

/** The two canaries: which requests of the candidate fail, who answers after the rollout, where it releases. */
const CANARIES = {
  healthy: { fails: (_n: number) => false, expect: 'candidate', environment: 'production' },
  failing: { fails: (n: number) => n % 10 < 3, expect: 'stable', environment: 'staging' },
} as const;
type Canary = keyof typeof CANARIES;

interface Rollouts {
  box: Sandbox;
  code: number | null;
  stderr: string;
  runs: RunJson[];
  /** The requests answered through each canary's proxy. */
  answered: Record<Canary, number>;
}

/**
 * Both canaries from one `sci run healthy failing` (exit 1: `failing` is rolled back), each with its own servers,
 * proxy port, client traffic and environment: they spend their time waiting out their intervals (6 s and 3 s), and a
 * `sci run` process more cost ≈ 1 s of CPU. Started by the first test that asks.
 */
let rollouts: Promise<Rollouts> | undefined;
async function bothRollouts(): Promise<Rollouts> {
  const names = Object.keys(CANARIES) as Canary[];
  const targets = await Promise.all(
    names.map(async (name) => {
      const { fails, expect, environment } = CANARIES[name];
      const stable = await server('stable');
      const candidate = await server('candidate', fails);
      const listen = await freePort();
      return {
        name,
        stable,
        candidate,
        listen,
        file: pipeline(environment, listen, stable.port, candidate.port, expect),
      };
    }),
  );
  const box = sandbox(Object.fromEntries(targets.map((t) => [`.sci/${t.name}.yml`, t.file])));
  const stop = { done: false };
  const loads = targets.map((t) => traffic(t.listen, stop));
  try {
    const r = await sciAsync(box, 'run', ...names, '--json');
    stop.done = true;
    const answered = await Promise.all(loads);
    return {
      box,
      code: r.code,
      stderr: r.stderr,
      runs: runsOf(r.stdout),
      answered: Object.fromEntries(names.map((name, i) => [name, answered[i]!])) as Record<Canary, number>,
    };
  } finally {
    stop.done = true;
    for (const t of targets) {
      t.stable.server.close();
      t.candidate.server.close();
    }
  }
}

async function rollout(name: Canary): Promise<Rollouts & { run: RunJson }> {
  rollouts ??= bothRollouts();
  const both = await rollouts;
  const run = both.runs.find((r) => r.pipeline === name);
  assert.ok(run, both.stderr);
  return { ...both, run };
}

after(async () => (await rollouts)?.box.cleanup());

// the `sci` reads after the run are asynchronous, so that neither test's process stalls the other's traffic
describe('a local canary', { concurrency: true }, () => {
  test('a healthy candidate reaches 100 % and records a release', async () => {
    const { box, run, answered } = await rollout('healthy');
    assert.equal(run.status, 'succeeded', JSON.stringify(run));
    assert.equal(step(run, 'canary').status, 'succeeded');
    assert.equal(step(run, 'afterwards').status, 'succeeded', 'every request after 100 % goes to the candidate');
    assert.ok(answered.healthy > 0);
    const history = JSON.parse((await sciAsync(box, 'envs', 'production', '--history', '--json')).stdout) as Array<{
      run: string;
      status: string;
    }>;
    assert.deepEqual(
      history.map((h) => [h.run, h.status]),
      [[run.id, 'succeeded']],
    );
  });

  test('a candidate answering 30 % 5xx is rolled back at the first weight; stable then takes all traffic', async () => {
    const { box, run, code } = await rollout('failing');
    assert.equal(code, 1);
    const canary = step(run, 'canary');
    assert.equal(canary.status, 'failed');
    const [, rate, requests] =
      /^rolled back at 10%: error rate (\d+(?:\.\d)?)% > 2% \((\d+) requests\)$/.exec(canary.reason ?? '') ?? [];
    assert.ok(rate && requests, canary.reason);
    // One request in ten goes to the candidate, which fails the first three of each ten it gets.
    assert.ok(Number(rate) >= 25 && Number(requests) >= 2, canary.reason);
    assert.equal(step(run, 'afterwards').status, 'succeeded', 'every request after the rollback goes to stable');
    // its environment (staging) has no release; the healthy canary's (production) has
    const envs = JSON.parse((await sciAsync(box, 'envs', '--json')).stdout) as Array<{ name: string }>;
    assert.deepEqual(
      envs.map((e) => e.name),
      ['production'],
    );
  });
});
