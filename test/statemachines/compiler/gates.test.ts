/**
 * Cross-branch gates (gate.ts) executed in aws-local-stepfunctions, each race forced both ways:
 * a need with several steps waiting for it alone signals its wait item once and releases the ones
 * that waited (or they read the item), with its outputs; a step waiting for several needs uses its
 * counter; a need that fails releases its waiters, which skip.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertValidAsl } from './asl-valid.ts';
import { compile, envOf, execute, runInput, statusOf } from './harness.ts';
import { SHARED_WAITERS } from '../../../statemachines/compiler/gate.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// d and f wait for a alone (a's wait item); g waits for a and e (its counter).
const PIPELINE = `
steps:
  a: { outputs: [v], run: x }
  b: { run: x }
  h: { run: x }
  c: { needs: [b], run: x }
  e: { needs: [h], outputs: [v], run: x }
  d: { needs: [a, c], env: { FROM_A: "\${{ steps.a.outputs.v }}" }, run: x }
  f: { needs: [a, e], env: { FROM_A: "\${{ steps.a.outputs.v }}" }, run: x }
  g: { needs: [a, c, e], env: { FROM_A: "\${{ steps.a.outputs.v }}", FROM_E: "\${{ steps.e.outputs.v }}" }, run: x }
`;

async function run(slow: string[], fails: string[] = []) {
  const compiled = compile(PIPELINE, { file: '.sci/gates.yml' });
  assertValidAsl(compiled.json);
  const env = new Map<string, Record<string, string>>();
  const out = await execute(compiled.definition, runInput(), compiled.steps, {
    build: async (call) => {
      env.set(call.key, envOf(call));
      if (slow.includes(call.key)) await sleep(300);
      if (fails.includes(call.key)) throw Object.assign(new Error('exit 1'), { name: 'sci.BuildFailed' });
      return [{ Name: 'SCI_OUT_v', Value: `${call.key}-1` }];
    },
  });
  return { compiled, out, env };
}

const entered = (o: Awaited<ReturnType<typeof run>>['out'], name: string) =>
  o.trace.entered.filter((n) => n === name).length;

test('the layout under test: d and f wait for a alone, g for several needs', () => {
  const { json } = compile(PIPELINE, { file: '.sci/gates.yml' });
  assert.ok(json.includes('GATE#a#{}'), "a's wait item");
  assert.ok(json.includes('SET t_d = :token') && json.includes('SET t_f = :token'), 'd and f store tokens on it');
  assert.ok(json.includes('GATE#g#all#{}'), "g's counter");
  assert.ok(json.includes('"a · signal"') && !json.includes('"a · signal d"'), 'one signal for d and f');
  assert.ok(json.includes('"a · signal g"'), "a's signal to g's counter");
});

const ORDERS: Array<{ order: string; slow: string[]; waited: boolean }> = [
  { order: 'the gates wait (the need ends last): released', slow: ['a'], waited: true },
  { order: 'the need ends first: the gates read', slow: ['b', 'h', 'c', 'e'], waited: false },
];

for (const { order, slow, waited } of ORDERS) {
  test(`${order}, with the need's outputs, each step after its needs`, async () => {
    const { out, env } = await run(slow);
    assert.equal(out.status, 'SUCCEEDED', out.error);
    for (const k of ['d', 'f', 'g']) {
      assert.equal(statusOf(out, k), 'succeeded', k);
      assert.equal(env.get(k)!.FROM_A, 'a-1', `${k} reads a's output through its gate`);
    }
    assert.equal(env.get('g')!.FROM_E, 'e-1', "g reads e's output through its counter");
    const ends = out.trace.ended;
    for (const [k, needs] of [
      ['d', ['a', 'c']],
      ['f', ['a', 'e']],
      ['g', ['a', 'c', 'e']],
    ] as const)
      for (const n of needs) assert.ok(out.trace.started.get(k)! >= ends.get(n)!, `${k} started before ${n} ended`);
    assert.equal(entered(out, 'a · signal'), 1, 'a writes its wait item once');
    const released = entered(out, 'a · release d') + entered(out, 'a · release f');
    const read = entered(out, 'd · gate read') + entered(out, 'f · gate read');
    assert.equal(released + read, 2, 'each of d and f is released or reads, once');
    if (waited) assert.equal(released, 2, 'a ended last: both were waiting');
    else assert.equal(read, 2, 'a ended first: both read its item');
  });
}

test('a need that fails releases the steps waiting for it, which skip with its status', async () => {
  const { out } = await run(['b', 'h', 'c', 'e'], ['a']);
  assert.equal(out.status, 'FAILED');
  assert.equal(statusOf(out, 'a'), 'failed');
  for (const k of ['d', 'f', 'g']) assert.equal(statusOf(out, k), 'skipped', k);
  const again = await run(['a'], ['a']);
  for (const k of ['d', 'f', 'g']) assert.equal(statusOf(again.out, k), 'skipped', k);
  assert.equal(entered(again.out, 'a · release d') + entered(again.out, 'a · release f'), 2);
});

test('a need with more steps waiting for it alone than its wait item takes: the rest use counters', async () => {
  const n = SHARED_WAITERS + 4;
  const yaml = [
    'steps:',
    '  a: { outputs: [v], run: x }',
    ...Array.from({ length: n }, (_, i) => `  b${i}: { run: x }`),
    ...Array.from(
      { length: n },
      (_, i) => `  c${i}: { needs: [a, b${i}], env: { FROM_A: "\${{ steps.a.outputs.v }}" }, run: x }`,
    ),
  ].join('\n');
  const compiled = compile(yaml, { file: '.sci/wide.yml' });
  assertValidAsl(compiled.json);
  // a's `ready?` Choices: on a token of its wait item (`t_<key>`), or on a counter's (`taskToken`)
  const readies = [...compiled.json.matchAll(/"a · c\d+ ready\?":\{[^}]*"Variable":"([^"]+)"/g)].map((m) => m[1]!);
  assert.equal(readies.filter((v) => v.includes('.t_c')).length, SHARED_WAITERS, 'its wait item takes SHARED_WAITERS');
  assert.equal(readies.filter((v) => !v.includes('.t_c')).length, n - 1 - SHARED_WAITERS, 'the others: counters');
  const env = new Map<string, Record<string, string>>();
  const out = await execute(compiled.definition, runInput(), compiled.steps, {
    build: async (call) => {
      env.set(call.key, envOf(call));
      if (call.key === 'a') await sleep(200);
      return [{ Name: 'SCI_OUT_v', Value: `${call.key}-1` }];
    },
  });
  assert.equal(out.status, 'SUCCEEDED', out.error);
  for (let i = 0; i < n; i++) {
    assert.equal(env.get(`c${i}`)!.FROM_A, 'a-1', `c${i} reads a's output`);
    assert.ok(out.trace.started.get(`c${i}`)! >= out.trace.ended.get('a')!, `c${i} started before a ended`);
  }
});

// d and e wait for a alone (f keeps c's branch from being cut); d reads only a's status, e (`always()`) its chain too.
const CHAIN_READER = `
steps:
  a: { run: x }
  b: { run: x }
  c: { needs: [b], run: x }
  d: { needs: [a, c], run: x }
  e: { needs: [a, c], if: always(), run: x }
  f: { needs: [c], run: x }
`;

for (const { order, slow } of ORDERS) {
  test(`a wait item carries the need's chain only for a step that reads it; ${order}`, async () => {
    const withReader = compile(CHAIN_READER, { file: '.sci/chain.yml' });
    const alone = compile(CHAIN_READER.replace(/\n {2}e: .*\n/, '\n'), { file: '.sci/chain.yml' });
    assertValidAsl(withReader.json);
    assert.ok(withReader.json.includes('"UpdateExpression":"SET s = :s, c = :c"'), "e reads a's chain: a signals it");
    assert.ok(alone.json.includes('"UpdateExpression":"SET s = :s"'), 'd alone reads no chain: a signals its status');
    assert.ok(!alone.json.includes('"chain.$":"$.Item.c.S"'), "d's gate read reads no chain");
    const runStatus = new Map<string, string>();
    const out = await execute(withReader.definition, runInput(), withReader.steps, {
      build: async (call) => {
        runStatus.set(call.key, envOf(call).SCI_RUN_STATUS ?? 'succeeded');
        if (slow.includes(call.key)) await sleep(300);
        if (call.key === 'a') throw Object.assign(new Error('exit 1'), { name: 'sci.BuildFailed' });
      },
    });
    assert.equal(statusOf(out, 'd'), 'skipped');
    assert.equal(statusOf(out, 'e'), 'succeeded');
    assert.equal(runStatus.get('e'), 'failed', "e saw a's chain through its gate");
    const entered = (name: string) => out.trace.entered.includes(name);
    assert.ok(slow.includes('a') ? entered('a · release e') : entered('e · gate read'), order);
  });
}
