/**
 * Run store benchmarks on real dynalite: store operations over loopback HTTP (in-memory and
 * LevelDB-persisted through openLocalStore), opening the shared local store as its server or as a
 * client, and the handover when the serving process stops. Bounded: a few hundred operations.
 * `node --import tsx bench/store.ts`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RunStore } from '../src/core/ports.ts';
import { DynamoRunStore } from '../src/store/dynamo-run-store.ts';
import { openLocalStore } from '../local/store/dynalite-server.ts';
import { ensureTable, localClient, startDynalite } from '../local/store/dynalite.ts';
import { aRun, someSteps } from '../test/store/records.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] ?? 0;
const rows: Array<[string, string, string]> = [];

async function sample(label: string, times: number, op: (i: number) => Promise<unknown>): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    await op(i);
    samples.push(performance.now() - t0);
  }
  rows.push([label, `${median(samples).toFixed(2)} ms`, `${p95(samples).toFixed(2)} ms`]);
}

async function operations(where: string, store: RunStore): Promise<void> {
  const id = (i: number, tag: string) => `${where}-${tag}-${String(i).padStart(4, '0')}`;
  await sample(`${where}: createRun, 10 steps`, 100, (i) =>
    store.createRun(
      aRun({ id: id(i, 'c10'), createdAt: new Date(1_700_000_000_000 + i).toISOString() }),
      someSteps(id(i, 'c10'), 10),
    ),
  );
  await sample(`${where}: createRun, 100 steps`, 20, (i) =>
    store.createRun(aRun({ id: id(i, 'c100') }), someSteps(id(i, 'c100'), 100)),
  );
  await sample(`${where}: transitionStep (applied)`, 200, (i) =>
    store.transitionStep(id(i % 100, 'c10'), `s00${i % 10}`, i < 100 ? 'running' : 'succeeded'),
  );
  await sample(`${where}: transitionStep (refused duplicate, + read-back)`, 100, (i) =>
    store.transitionStep(id(i, 'c10'), 's000', 'succeeded'),
  );
  await sample(`${where}: getRun, 10 steps`, 100, (i) => store.getRun(id(i, 'c10')));
  await sample(`${where}: getRun, 100 steps`, 20, (i) => store.getRun(id(i, 'c100')));
  await sample(`${where}: listRuns by repo, limit 50 (120 runs)`, 50, () =>
    store.listRuns({ repo: 'octo/app', limit: 50 }),
  );
  await sample(`${where}: listActiveRuns (120 active)`, 20, () => store.listActiveRuns());
}

async function inMemory(where = 'in-memory'): Promise<void> {
  const server = await startDynalite();
  const client = localClient(() => server.endpoint);
  await ensureTable(client, 'bench');
  await operations(where, new DynamoRunStore(DynamoDBDocumentClient.from(client), 'bench'));
  client.destroy();
  await server.close();
}

async function persisted(home: string): Promise<void> {
  const local = await openLocalStore(home);
  await operations('LevelDB', local.store);
  await local.close();
}

async function opening(home: string): Promise<void> {
  await sample('openLocalStore as the server (existing db) + close', 10, async () =>
    (await openLocalStore(home)).close(),
  );
  const server = await openLocalStore(home);
  await sample('openLocalStore as a client (server alive) + close', 10, async () =>
    (await openLocalStore(home)).close(),
  );
  await server.close();
  const handovers: number[] = [];
  for (let i = 0; i < 7; i++) {
    const first = await openLocalStore(home);
    const second = await openLocalStore(home);
    await second.store.getRun('none');
    await first.close();
    const t0 = performance.now();
    await second.store.getRun('none'); // finds the server gone, becomes it, retries
    handovers.push(performance.now() - t0);
    if (!second.serving()) throw new Error('the client did not take over');
    await second.close();
  }
  rows.push([
    'first call after the server closed (reconnect, become server, retry)',
    `${median(handovers).toFixed(1)} ms`,
    `${p95(handovers).toFixed(1)} ms`,
  ]);
}

const home = mkdtempSync(join(tmpdir(), 'sci-bench-store-'));
try {
  await inMemory('warm-up'); // JIT and SDK caches; not reported
  rows.length = 0;
  await inMemory();
  await persisted(home);
  await opening(home);
} finally {
  rmSync(home, { recursive: true, force: true });
}
console.log('| measure | median | p95 |\n| --- | ---: | ---: |');
for (const [label, med, tail] of rows) console.log(`| ${label} | ${med} | ${tail} |`);
