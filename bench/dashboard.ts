/**
 * Dashboard server time with a long history: 100,000 runs (20 pipelines in folders, 5,000 runs
 * each) written to an in-memory dynalite, then the home and pipeline pages' API requests timed
 * over loopback HTTP, as the page asks for them, the store served by a dynalite process of its own.
 * Each row gives the round trip, the server time (request in → response written) and, of it, the
 * time spent waiting for the store, as medians and p95s.
 * Bounded: one seeding, SCI_BENCH_REQUESTS (default 100) requests per row.
 * `node --import tsx bench/dashboard.ts` (SCI_BENCH_RUNS to change the count)
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unavailable } from '../src/core/result.ts';
import { dashboardRoutes } from '../src/dashboard/routes.ts';
import { DynamoRunStore } from '../src/store/dynamo-run-store.ts';
import { commitAttributes, runItem } from '../src/store/items.ts';
import { touchPipeline } from '../src/store/pipeline-pages.ts';
import { ensureTable, localClient } from '../local/store/dynalite.ts';
import { aRun } from '../test/store/records.ts';

const RUNS = Number(process.env.SCI_BENCH_RUNS ?? 100_000);
const PIPELINES = [
  'ci',
  'nightly',
  'lint',
  'docs',
  'deploy/staging',
  'deploy/prod',
  'deploy/eu/prod',
  'deploy/us/prod',
  'release/npm',
  'release/docker',
  'infra/plan',
  'infra/apply',
  'services/api/ci',
  'services/api/deploy',
  'services/web/ci',
  'services/web/deploy',
  'tools/bench',
  'tools/fuzz',
  'mobile/ios',
  'mobile/android',
];
const STATUSES = [
  'succeeded',
  'succeeded',
  'succeeded',
  'succeeded',
  'failed',
  'succeeded',
  'cancelled',
  'succeeded',
] as const;
const REQUESTS = Number(process.env.SCI_BENCH_REQUESTS ?? 100);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] ?? 0;

// the store in a process of its own: its heap would otherwise slow every young-generation GC of
// the server being timed (docs/benchmarks.md, "Dashboard")
const store$ = spawn(
  process.execPath,
  ['--import', 'tsx', new URL('./dynalite-process.ts', import.meta.url).pathname],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);
const [firstLine] = (await once(store$.stdout, 'data')) as [Buffer];
const endpoint = firstLine.toString().trim();
const client = localClient(() => endpoint);
await ensureTable(client, 'bench');
const documents = DynamoDBDocumentClient.from(client);
const store = new DynamoRunStore(documents, 'bench');

// Seeding writes committed run items directly (25 a batch): createRun's three writes per run
// would only make the seeding slower, and the pages read nothing else.
const t0 = performance.now();
const expires = Math.floor(Date.now() / 1000) + 86_400;
let batch: Record<string, unknown>[] = [];
const flush = async (items: Record<string, unknown>[]) => {
  let pending = items.map((Item) => ({ PutRequest: { Item } }));
  while (pending.length > 0) {
    const out = await documents.send(new BatchWriteCommand({ RequestItems: { bench: pending } }));
    pending = (out.UnprocessedItems?.bench ?? []) as typeof pending;
  }
};
const inflight: Promise<void>[] = [];
for (let i = 0; i < RUNS; i++) {
  const run = aRun({
    id: `R${String(i).padStart(7, '0')}`,
    pipeline: PIPELINES[i % PIPELINES.length]!,
    status: STATUSES[i % STATUSES.length]!,
    branch: i % 10 === 0 ? `feature/${i % 37}` : 'main',
    event: i % 4 === 0 ? 'pull_request' : 'push',
    createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
  });
  const { gsi3pk: _active, gsi3sk: _activeSk, ...visible } = commitAttributes(run);
  batch.push({ ...runItem(run, 0, expires), ...visible });
  // the registry as createRun leaves it: each pipeline with its newest five runs
  if (i >= RUNS - 5 * PIPELINES.length) await touchPipeline({ client: documents, table: 'bench' }, run, expires);
  if (batch.length === 25) {
    inflight.push(flush(batch));
    batch = [];
    if (inflight.length >= 8) await Promise.all(inflight.splice(0));
  }
}
await Promise.all(inflight);
if (batch.length > 0) await flush(batch);
const seeded = performance.now() - t0;

/** Milliseconds the current request spent waiting for the store (one request at a time). */
let storeMs = 0;
const timedStore = new Proxy(store, {
  get(target, name, receiver) {
    const value = Reflect.get(target, name, receiver) as unknown;
    if (typeof value !== 'function') return value;
    return async (...args: unknown[]) => {
      const start = performance.now();
      try {
        return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      } finally {
        storeMs += performance.now() - start;
      }
    };
  },
});

const refused = async () => unavailable('bench');
const routes = dashboardRoutes({
  store: timedStore,
  title: 'bench',
  actor: 'bench',
  logs: { read: async () => ({ text: '', next: '0' }) },
  actions: { decide: refused, cancel: refused, redrive: refused },
});
/** Server time of the last request: from its arrival to its response written. */
let serverMs = 0;
const http = createServer((req, res) => {
  const start = performance.now();
  storeMs = 0;
  res.on('finish', () => {
    serverMs = performance.now() - start;
  });
  void routes(req, res);
});
await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

async function timed(label: string, path: () => string): Promise<void> {
  await fetch(base + path()).then((r) => r.text());
  const samples: number[] = [];
  const server: number[] = [];
  const stored: number[] = [];
  let bytes = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const start = performance.now();
    const res = await fetch(base + path());
    const body = await res.text();
    samples.push(performance.now() - start);
    server.push(serverMs);
    stored.push(storeMs);
    if (!res.ok) throw new Error(`${label}: ${res.status} ${body}`);
    bytes = body.length;
  }
  const ms = (xs: number[]) => `${median(xs).toFixed(1)} / ${p95(xs).toFixed(1)}`;
  const own = server.map((t, i) => t - stored[i]!);
  console.log(
    `| ${label} | ${ms(samples)} | ${ms(server)} | ${ms(stored)} | ${ms(own)} | ${(bytes / 1024).toFixed(1)} KB |`,
  );
}

let cursor = '';
console.log(
  `${RUNS.toLocaleString('en')} runs in ${PIPELINES.length} pipelines seeded in ${(seeded / 1000).toFixed(1)} s\n`,
);
console.log(
  `load average before timing: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(', ')}\n`,
);
console.log(
  '| request (ms: median / p95) | round trip | server | of which store | server without store | response |\n| --- | --- | --- | --- | --- | --- |',
);
await timed('home: `GET /api/home` (20 pipelines × last 5 runs, one Query)', () => '/api/home');
await timed('pipeline page 1: `GET /api/pipeline` (25 runs)', () => `/api/pipeline?repo=octo/app&id=ci`);
const first = (await (await fetch(`${base}/api/pipeline?repo=octo/app&id=ci`)).json()) as { next: string };
cursor = first.next;
await timed('pipeline page 2 (by key: `after=`)', () => `/api/pipeline?repo=octo/app&id=ci&after=${cursor}`);
await timed('pipeline page, `status=failed` (1 run in 8)', () => '/api/pipeline?repo=octo/app&id=ci&status=failed');
await timed(
  'pipeline page, `branch=feature/3` (rare: ≤ 1,000 runs read)',
  () => '/api/pipeline?repo=octo/app&id=ci&branch=feature/3',
);

console.log(
  `\nload average after timing: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(', ')}`,
);
http.close();
client.destroy();
store$.stdin.end();
await once(store$, 'exit');
