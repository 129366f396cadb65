/** The exact DAG layout: series-parallel nesting where possible, gates where not. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { layoutDag, type Block } from '../../../statemachines/compiler/dag.ts';
import { prng, randomDag } from './random-dags.ts';
import { simulate } from './simulate.ts';

function layout(edges: Record<string, string[]>) {
  const keys = Object.keys(edges);
  return layoutDag(keys, new Map(Object.entries(edges)));
}

/** Compact text: a;b is a sequence, (a|b) a Parallel. */
function text(b: Block): string {
  if (b.kind === 'step') return b.key;
  if (b.kind === 'seq') return b.items.map(text).join(';');
  return `(${b.branches.map(text).join('|')})`;
}

describe('layoutDag', () => {
  const cases: Array<[string, Record<string, string[]>, string, Record<string, string[]>]> = [
    ['a chain', { a: [], b: ['a'], c: ['b'] }, 'a;b;c', {}],
    ['independent steps', { a: [], b: [], c: [] }, '(a|b|c)', {}],
    ['a diamond', { a: [], b: ['a'], c: ['a'], d: ['b', 'c'] }, 'a;(b|c);d', {}],
    ['two components', { a: [], b: ['a'], c: [], d: ['c'] }, '(a;b|c;d)', {}],
    // Structural needs form paths where they can (a parent of one child shares its scope's endings).
    ['the N shape', { a: [], b: [], c: ['a'], d: ['a', 'b'] }, '(a;c|b;d)', { d: ['a'] }],
    [
      'crossing needs: the later step moves the earlier',
      { a: [], b: [], c: ['a', 'b'], d: ['a'] },
      '(a;d|b;c)',
      { c: ['a'] },
    ],
    [
      'an unmatched step splits one path',
      { a: [], b: [], c: [], x: ['a', 'b'], y: ['a', 'b'], z: ['a', 'c'], u: ['c'] },
      '(a;y|b;x|c;(z|u))',
      { x: ['a'], y: ['b'], z: ['a'] },
    ],
    ['a fan-in after a fan-out', { a: [], b: ['a'], c: ['a'], d: ['a'], e: ['b', 'c', 'd'] }, 'a;(b|c|d);e', {}],
    ['a transitive edge', { a: [], b: ['a'], c: ['a', 'b'] }, 'a;b;c', {}],
    ['the W shape', { a: [], b: [], c: [], x: ['a', 'b'], y: ['b', 'c'] }, '(a;x|b;y|c)', { x: ['b'], y: ['c'] }],
  ];
  for (const [name, edges, want, gates] of cases) {
    it(name, () => {
      const l = layout(edges);
      assert.equal(text(l.root), want);
      assert.deepEqual(Object.fromEntries(l.gates), gates);
    });
  }

  it('handles sets past one 32-bit word (bit 31 included)', () => {
    const edges: Record<string, string[]> = {};
    for (let i = 0; i < 40; i++) edges[`s${i}`] = [];
    edges.s35 = ['s31'];
    const got = text(layout(edges).root);
    assert.ok(got.includes('|s31;s35|'), got);
    assert.equal(got.split(/[|;()]/).filter(Boolean).length, 40);
  });

  it('lays out a 5,000-step chain (no recursion: the call stack is not the limit)', () => {
    const edges: Record<string, string[]> = {};
    for (let i = 0; i < 5000; i++) edges[`s${i}`] = i === 0 ? [] : [`s${i - 1}`];
    const root = layout(edges).root;
    assert.equal(root.kind, 'seq');
    assert.deepEqual(root.kind === 'seq' && root.items.map(text), Object.keys(edges));
  });

  it('lays out a deep nest of fans and joins (a; (b | c; (d | e; …)))', () => {
    const edges: Record<string, string[]> = { n0: [] };
    for (let i = 1; i < 3000; i++) edges[`n${i}`] = [`n${i % 2 === 1 ? i - 1 : i - 2}`];
    const l = layout(edges);
    assert.equal(
      text(l.root)
        .split(/[|;()]/)
        .filter(Boolean).length,
      3000,
    );
    assert.deepEqual(Object.fromEntries(l.gates), {});
  });

  it('places every step exactly once', () => {
    const edges: Record<string, string[]> = {};
    for (let i = 0; i < 300; i++)
      edges[`s${i}`] = i === 0 ? [] : [`s${(i * 7) % i}`, `s${(i * 13) % i}`].filter((v, j, a) => a.indexOf(v) === j);
    const seen: string[] = [];
    const walk = (b: Block): void =>
      b.kind === 'step' ? void seen.push(b.key) : (b.kind === 'seq' ? b.items : b.branches).forEach(walk);
    walk(layout(edges).root);
    assert.deepEqual([...seen].sort(), Object.keys(edges).sort());
  });

  it('lets every step start exactly when its own needs end (500 random DAGs, replayed)', () => {
    const rand = prng(42);
    for (let d = 0; d < 500; d++) {
      const steps = randomDag(rand, 2 + Math.floor(rand() * 30), { maxDuration: 100 });
      const l = layoutDag(
        steps.map((s) => s.name),
        new Map(steps.map((s) => [s.name, s.needs])),
      );
      const times = simulate(l, new Map(steps.map((s) => [s.name, s.durationMs])));
      for (const s of steps) {
        const ready = Math.max(0, ...s.needs.map((n) => times.get(n)!.end));
        assert.equal(
          times.get(s.name)!.start,
          ready,
          `DAG #${d}: ${s.name} ${JSON.stringify(steps.map((x) => [x.name, x.needs]))}`,
        );
      }
    }
  });
});
