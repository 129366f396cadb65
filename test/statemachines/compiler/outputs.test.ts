/**
 * Step outputs in the compiled ASL, executed in aws-local-stepfunctions: the build's exported
 * variables become `steps.X.outputs.Y` for steps after X in the same branch, after a Parallel
 * and through a cross-branch gate; a step that runs after a failed producer reads ''.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertValidAsl } from './asl-valid.ts';
import { compile, envOf, execute, runInput, stepItem } from './harness.ts';

async function run(yaml: string, fails: string[] = []) {
  const compiled = compile(yaml, { file: '.sci/out.yml' });
  assertValidAsl(compiled.json);
  const env = new Map<string, Record<string, string>>();
  const out = await execute(compiled.definition, runInput(), compiled.steps, {
    build: async (call) => {
      const { key } = call;
      env.set(key, envOf(call));
      if (fails.includes(key)) throw Object.assign(new Error('exit 1'), { name: 'sci.BuildFailed' });
      return [
        { Name: 'SCI_OUT_v', Value: `${key}-1` },
        { Name: 'OTHER', Value: 'x' },
      ];
    },
  });
  return { compiled, out, env };
}

test('an N-shaped DAG passes outputs along the branch and through the gate', async () => {
  const { compiled, out, env } = await run(`
steps:
  a: { outputs: [v], run: x }
  b: { outputs: [v], run: x }
  c: { needs: [a], run: 'echo \${{ steps.a.outputs.v }}' }
  d:
    needs: [a, b]
    env: { FROM_A: "\${{ steps.a.outputs.v }}", FROM_B: "\${{ steps.b.outputs.v }}" }
    run: x
  e:
    needs: [c, d]
    if: steps.b.outputs.v == 'b-1'
    run: 'echo \${{ steps.a.outputs.v }} \${{ steps.b.outputs.v }}'
`);
  assert.ok(compiled.json.includes('GATE#a#'), "the N shape needs a gate (on a's wait item)");
  assert.equal(out.status, 'SUCCEEDED', out.error);
  assert.equal(env.get('c')!.SCI_STEPS_A_OUTPUTS_V, 'a-1');
  assert.equal(env.get('d')!.FROM_A, 'a-1');
  assert.equal(env.get('d')!.FROM_B, 'b-1');
  assert.deepEqual([env.get('e')!.SCI_STEPS_A_OUTPUTS_V, env.get('e')!.SCI_STEPS_B_OUTPUTS_V], ['a-1', 'b-1']);
  const item = stepItem(out, 'a')!;
  assert.deepEqual(item.outputs, { M: { v: { S: 'a-1' } } });
});

test('a step that runs after its producer failed reads an empty output', async () => {
  const { out, env } = await run(
    `
steps:
  a: { outputs: [v], run: x }
  b: { needs: [a], if: always(), run: 'echo "[\${{ steps.a.outputs.v }}]"' }
`,
    ['a'],
  );
  assert.equal(out.status, 'FAILED');
  assert.equal(env.get('b')!.SCI_STEPS_A_OUTPUTS_V, '');
});
