/**
 * Step visibility (visibility.ts) is a persistent chain of frames; this holds it to the plain
 * rule it replaced, written out as a walk that copies what each step sees: in a sequence a step
 * sees what ran before it (`$.steps`) and its own gate results (`$.gates`), a Parallel's branches
 * see what came before it, and after a Parallel only `$.steps` paths remain (the merge drops gate
 * results, including a gate result that had replaced a record of the same branch).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { layoutDag, type Block } from '../../../statemachines/compiler/dag.ts';
import { Visibility } from '../../../statemachines/compiler/visibility.ts';
import { layeredDag, prng, randomDag } from './random-dags.ts';

function copyingWalk(root: Block, gates: ReadonlyMap<string, readonly string[]>): Map<string, Map<string, string>> {
  const seen = new Map<string, Map<string, string>>();
  const walk = (block: Block, before: Map<string, string>): Map<string, string> => {
    if (block.kind === 'seq') return block.items.reduce((acc, item) => walk(item, acc), before);
    if (block.kind === 'par') {
      const after = new Map([...before].filter(([, path]) => path.startsWith('$.steps.')));
      for (const out of block.branches.map((b) => walk(b, before)))
        for (const [key, path] of out) if (path.startsWith('$.steps.')) after.set(key, path);
      return after;
    }
    const at = new Map(before);
    const gated = gates.get(block.key) ?? [];
    for (const need of gated) at.set(need, gated.length === 1 ? `$.needs.${need}` : `$.gates.${block.key}.${need}`);
    seen.set(block.key, at);
    return new Map([...at, [block.key, `$.steps.${block.key}`]]);
  };
  walk(root, new Map());
  return seen;
}

describe('step visibility', () => {
  it('agrees with the copying walk on random and layered DAGs, gates included', () => {
    const rand = prng(11);
    let gated = 0;
    for (let t = 0; t < 300; t++) {
      const steps = t % 10 === 0 ? layeredDag(20 + t / 10) : randomDag(rand, 3 + Math.floor(rand() * 20));
      const layout = layoutDag(
        steps.map((s) => s.name),
        new Map(steps.map((s) => [s.name, s.needs])),
      );
      gated += layout.gates.size;
      const expected = copyingWalk(layout.root, layout.gates);
      const visible = new Visibility(layout.root, layout.gates);
      for (const a of steps)
        for (const b of steps)
          assert.equal(
            visible.path(a.name, b.name),
            expected.get(a.name)?.get(b.name),
            `DAG ${t}: ${a.name} sees ${b.name}`,
          );
    }
    assert.ok(gated > 100, `only ${gated} gated steps: the gate cases are not exercised`);
  });

  it('an unknown step sees nothing', () => {
    const visible = new Visibility({ kind: 'step', key: 'a' }, new Map());
    assert.equal(visible.path('zz', 'a'), undefined);
    assert.equal(visible.path('a', 'a'), undefined);
  });
});
