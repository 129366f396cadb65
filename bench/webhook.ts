/**
 * Webhook path benchmarks: handler bundle size, cold import of the bundled handler vs an empty
 * Node process, warm ingress and dispatcher latency (AWS stubbed with aws-sdk-client-mock),
 * `sci serve` on loopback (bounded: 400 deliveries, 25 in flight; see webhook-serve.ts).
 * `node --import tsx bench/webhook.ts`
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateStateMachineCommand,
  ListStateMachineVersionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { SfnExecutions } from '../src/aws/sfn-executions.ts';
import { SfnStateMachineRegistry } from '../src/aws/sfn-registry.ts';
import { stateMachineName } from '../src/aws/names.ts';
import { dispatchDelivery } from '../src/github/dispatch-delivery.ts';
import { receiveDelivery } from '../src/github/ingress.ts';
import { slimPayload } from '../src/github/slim-payload.ts';
import { closeSharedTables, freshStore } from '../test/store/local-table.ts';
import { bundleFunction } from './lambda-bundle.ts';
import { benchServe } from './webhook-serve.ts';
import { examples, memoryDeliveries, memoryQueue, signedRequest, TEST_SECRET } from '../test/github/helpers.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;
const rows: Array<[string, string, string]> = [];

async function bundles(dir: string) {
  for (const name of ['webhook', 'dispatcher', 'reporter']) {
    const bytes = await bundleFunction(name, join(dir, `${name}.mjs`));
    rows.push([
      `${name} bundle (esbuild, minified, SDK bundled, ESM entry points, Lambda credential chain)`,
      `${(bytes / 1024).toFixed(0)} KB`,
      name === 'webhook' ? '≤ 300 KB' : '—',
    ]);
  }
  const time = (code: string) => {
    const samples: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      const t0 = performance.now();
      spawnSync(process.execPath, ['--input-type=module', '-e', code], {
        stdio: 'ignore',
        env: { ...process.env, AWS_REGION: 'us-east-1' },
      });
      samples.push(performance.now() - t0);
    }
    return median(samples);
  };
  const empty = time('');
  const cold = time(`await import(${JSON.stringify(join(dir, 'webhook.mjs'))})`);
  rows.push([
    'cold import of the webhook bundle (median of 7, minus empty node)',
    `${(cold - empty).toFixed(0)} ms (node alone ${empty.toFixed(0)} ms)`,
    '≤ 100 ms',
  ]);
}

function tenPipelines() {
  return Array.from({ length: 10 }, (_, i) => ({
    path: `.sci/p${i}.yml`,
    text: `on:\n  push: { branches: [master] }\nsteps:\n  lint:\n    run: npm run lint\n  test:\n    needs: [lint]\n    matrix: { node: [20, 22] }\n    run: npm test\n  pack:\n    needs: [test]\n    run: npm pack\n`,
  }));
}

async function warmPaths() {
  const sfn = mockClient(SFNClient);
  sfn.on(ListStateMachineVersionsCommand).rejects(Object.assign(new Error('x'), { name: 'StateMachineDoesNotExist' }));
  sfn
    .on(CreateStateMachineCommand)
    .callsFake((i: { name: string }) => ({ stateMachineVersionArn: `arn:aws:states:r:1:stateMachine:${i.name}:1` }));
  sfn
    .on(StartExecutionCommand)
    .callsFake((i: { name: string }) => ({ executionArn: `arn:aws:states:r:1:execution:m:${i.name}` }));
  const files = tenPipelines();
  const deps = {
    store: (await freshStore()).store,
    statuses: { setStatus: async () => undefined },
    repos: {
      source: () => ({ readPipelineFiles: async () => files }),
      resolveBranch: async () => '',
      changedFiles: async () => undefined,
    },
    registry: new SfnStateMachineRegistry(new SFNClient({ region: 'us-east-1' }), {
      roleArn: 'arn:aws:iam::1:role/r',
      arnPrefix: 'arn:aws:states:r:1:stateMachine:',
    }),
    executions: new SfnExecutions(new SFNClient({ region: 'us-east-1' })),
    clock: { now: () => new Date() },
    target: { tableName: 't', buildProject: 'p', artifactBucket: 'b' },
    machineName: (repo: string, id: string) => stateMachineName('sci-', repo, id),
    runUrl: (arn: string) => arn,
  };
  const push = examples('push').find((p) => p.ref === 'refs/heads/master')!;
  const samples: number[] = [];
  for (let i = 0; i < 120; i += 1) {
    const t0 = performance.now();
    await dispatchDelivery(deps, {
      hookId: '1',
      deliveryId: `d${i}`,
      event: 'push',
      receivedAt: '',
      payload: slimPayload('push', push),
    });
    if (i >= 20) samples.push(performance.now() - t0);
  }
  rows.push([
    'warm dispatcher decision, push × 10 pipelines (40 steps), SFN stubbed, store on dynalite',
    `${median(samples).toFixed(1)} ms (p99 ${pct(samples, 0.99).toFixed(1)})`,
    '≤ 10 ms',
  ]);
  const ingress = {
    secret: async () => TEST_SECRET,
    store: memoryDeliveries(),
    queue: memoryQueue(),
    trust: { repos: 'any' as const, senders: [] },
    clock: { now: () => new Date() },
  };
  const ingressSamples: number[] = [];
  for (let i = 0; i < 300; i += 1) {
    const req = await signedRequest('push', push, `g${i}`);
    const t0 = performance.now();
    await receiveDelivery(ingress, req);
    ingressSamples.push(performance.now() - t0);
  }
  rows.push([
    'warm ingress (verify + dedupe + enqueue), in-memory ports',
    `${median(ingressSamples).toFixed(2)} ms`,
    '—',
  ]);
  sfn.restore();
  await closeSharedTables();
}

const dir = mkdtempSync(join(tmpdir(), 'sci-bench-webhook-'));
try {
  await bundles(dir);
  await warmPaths();
  for (const distinct of [false, true]) {
    const serve = await benchServe(400, 25, distinct);
    const what = distinct ? 'each of its own commit' : 'all of one commit';
    rows.push([
      `sci serve on loopback: ${serve.count} signed pushes ${what}, ${serve.inFlight} in flight (${serve.errors} errors)`,
      `${serve.perSecond.toFixed(0)} accepted/s, p99 ${serve.p99.toFixed(1)} ms; all dispatched at ${serve.dispatchedPerSecond.toFixed(0)}/s`,
      '≥ 500/s',
    ]);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log('| measure | median | goal |\n| --- | --- | --- |');
for (const [what, value, goal] of rows) console.log(`| ${what} | ${value} | ${goal} |`);
