/** The plan: matrix expansion, names and keys, instance needs, order, cycles. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePipeline } from '../../../statemachines/pipeline/parse.ts';
import { findCycle, planSteps } from '../../../statemachines/pipeline/plan.ts';
import { substituteMatrix } from '../../../statemachines/pipeline/matrix.ts';
import type { Pipeline, RunStep } from '../../../statemachines/pipeline/model.ts';

function pipeline(yaml: string): Pipeline {
  const result = parsePipeline('.sci/ci.yml', yaml);
  assert.ok(result.ok, result.ok ? '' : result.diagnostics.map((d) => d.message).join('\n'));
  return result.value;
}

function plan(yaml: string) {
  const result = planSteps(pipeline(yaml));
  assert.ok(result.ok, result.ok ? '' : result.diagnostics.map((d) => d.message).join('\n'));
  return result.value;
}

test('a matrix expands in axis order into named, keyed instances', () => {
  const instances = plan(
    'steps:\n  lint:\n    run: x\n  test:\n    needs: [lint]\n    matrix: { node: [20, 22], shard: [1, 2] }\n    run: x\n  done:\n    needs: test\n    run: x\n',
  );
  assert.deepEqual(
    instances.map((i) => [i.name, i.key]),
    [
      ['lint', 'lint'],
      ['test (node=20, shard=1)', 'test_node_20_shard_1'],
      ['test (node=20, shard=2)', 'test_node_20_shard_2'],
      ['test (node=22, shard=1)', 'test_node_22_shard_1'],
      ['test (node=22, shard=2)', 'test_node_22_shard_2'],
      ['done', 'done'],
    ],
  );
  assert.deepEqual(instances[1]!.matrix, { node: 20, shard: 1 });
  assert.deepEqual(instances[1]!.needs, ['lint']);
  assert.deepEqual(instances[5]!.needs, [
    'test (node=20, shard=1)',
    'test (node=20, shard=2)',
    'test (node=22, shard=1)',
    'test (node=22, shard=2)',
  ]);
});

test('matrix values are inlined into the instance step; event values are not', () => {
  const [instance] = plan(
    'steps:\n  t:\n    matrix: { node: [20] }\n    image: "node:${{ matrix.node }}"\n    if: matrix.node == 20 && branch == \'main\'\n    run: "echo ${{ matrix.node }} ${{ branch }}"\n',
  );
  const step = instance!.step as RunStep;
  assert.deepEqual(step.image.parts, [{ text: 'node:20' }]);
  assert.deepEqual(
    step.commands[0]!.parts.map((p) => ('text' in p ? p.text : p.expr.kind)),
    ['echo 20 ', 'context'],
  );
  assert.ok(step.if.kind === 'binary' && step.if.left.kind === 'binary');
  assert.deepEqual(step.if.left.left.kind === 'literal' && step.if.left.left.value, 20);
});

test('substituteMatrix merges adjacent text and leaves other contexts alone', () => {
  const p = pipeline('steps:\n  t:\n    matrix: { os: [linux] }\n    run: "a-${{ matrix.os }}-b-${{ sha }}"\n');
  const template = (p.steps[0] as RunStep).commands[0]!;
  const result = substituteMatrix(template, { os: 'linux' });
  assert.deepEqual(
    result.parts.map((x) => ('text' in x ? x.text : x.expr.kind)),
    ['a-linux-b-', 'context'],
  );
});

test('keys are identifier-safe and de-duplicated deterministically', () => {
  const instances = plan(
    'steps:\n  "a b":\n    run: x\n  "a-b":\n    run: x\n  "1st":\n    run: x\n  "!!":\n    run: x\n  a_b:\n    run: x\n',
  );
  assert.deepEqual(
    instances.map((i) => i.key),
    ['a_b', 'a_b_2', 's_1st', 'step', 'a_b_3'],
  );
  for (const i of instances) assert.match(i.key, /^[A-Za-z_][A-Za-z0-9_]*$/);
});

test('order is topological and otherwise stable with respect to the file', () => {
  const instances = plan(
    'steps:\n  c:\n    needs: [b]\n    run: x\n  a:\n    run: x\n  b:\n    run: x\n  d:\n    run: x\n',
  );
  assert.deepEqual(
    instances.map((i) => i.name),
    ['a', 'b', 'c', 'd'],
  );
});

/** A Pipeline built by hand, since the parser refuses cycles before the plan sees them. */
function graph(edges: Record<string, string[]>): Pipeline {
  const base = pipeline('steps:\n  x:\n    run: x\n');
  const template = base.steps[0]!;
  return { ...base, steps: Object.entries(edges).map(([name, needs]) => ({ ...template, name, needs })) };
}

test('a cycle is printed as a path closing on itself', () => {
  const result = planSteps(graph({ a: ['c'], b: ['a'], c: ['b'], d: [] }));
  assert.ok(!result.ok);
  assert.deepEqual(
    result.diagnostics.map((d) => [d.code, d.message]),
    [['cycle', 'cycle: a → c → b → a']],
  );
  assert.deepEqual(findCycle(graph({ a: [], b: ['b'] })), ['b', 'b']);
  assert.equal(findCycle(graph({ a: [], b: ['a'], c: ['a', 'b'] })), undefined);
});

test('an unknown need is a plan error too (the plan may be given any Pipeline)', () => {
  const unknown = planSteps(graph({ a: ['zz'] }));
  assert.ok(!unknown.ok);
  assert.deepEqual(
    unknown.diagnostics.map((d) => d.message),
    ["step 'a' needs unknown step 'zz'"],
  );
});

test('a matrix larger than 256 cells is refused at the matrix node, with its size', () => {
  const axis = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(', ')}]`;
  const result = parsePipeline(
    '.sci/ci.yml',
    `steps:\n  t:\n    run: x\n    matrix: { a: ${axis(17)}, b: ${axis(16)} }\n`,
  );
  assert.ok(!result.ok);
  assert.deepEqual(
    result.diagnostics.map((d) => [d.message, d.span?.line, d.span?.col]),
    [["step 't': matrix expands to 272 cells (at most 256, as on GitHub)", 4, 5]],
  );
});

/** A pipeline model of plain steps: enough for the plan's graph algorithms. */
function chainModel(n: number, needsOf: (i: number) => string[]): Pipeline {
  const base = pipeline('steps:\n  s0:\n    run: x\n');
  const step = base.steps[0]!;
  return { ...base, steps: Array.from({ length: n }, (_, i) => ({ ...step, name: `s${i}`, needs: needsOf(i) })) };
}

test('a 5,000-step chain plans in order, and a cycle at its end is found (no recursion)', () => {
  const planned = planSteps(chainModel(5000, (i) => (i === 0 ? [] : [`s${i - 1}`])));
  assert.ok(planned.ok);
  assert.equal(planned.value.at(-1)!.name, 's4999');
  const cyclic = chainModel(5000, (i) => (i === 0 ? ['s4999'] : [`s${i - 1}`]));
  const cycle = findCycle(cyclic);
  assert.equal(cycle?.length, 5001);
  assert.deepEqual([cycle![0], cycle![1], cycle!.at(-1)], ['s0', 's4999', 's0']);
});

test('more than 10,000 steps after expansion is refused at once, at the step that passes the limit', () => {
  const big = chainModel(10_001, () => []);
  const planned = planSteps(big);
  assert.ok(!planned.ok);
  assert.deepEqual(
    planned.diagnostics.map((d) => [d.code, d.path]),
    [['too-many-steps', ['steps', 's10000']]],
  );
});
