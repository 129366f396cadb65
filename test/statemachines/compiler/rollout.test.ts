/**
 * Rollout steps in the compiled ASL: valid ASL for each target, one named state per weight (the
 * console shows where a rollout stopped), `blue_green` as one switch then bake, and a `local`
 * target refused when compiling for AWS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSource } from '../../../statemachines/compiler/compile.ts';
import { assertValidAsl } from './asl-valid.ts';
import { compile } from './harness.ts';
import { rolloutPipeline, TARGETS } from './rollout-fixtures.ts';

for (const [kind, target] of Object.entries(TARGETS)) {
  test(`a ${kind} canary compiles to valid ASL with a named state per weight`, () => {
    const compiled = compile(rolloutPipeline(target), { file: '.sci/deliver.yml' });
    assertValidAsl(compiled.json);
    const names = Object.keys(compiled.definition.States);
    for (const w of [10, 50, 100]) {
      for (const state of [
        `deploy · ${w}%`,
        `deploy · bake ${w}%`,
        `deploy · measure ${w}%`,
        `deploy · judge ${w}%`,
        `deploy · error rate over 2% at ${w}%`,
      ]) {
        assert.ok(names.includes(state), `${state} in ${names.join(', ')}`);
      }
    }
    assert.ok(names.includes('deploy · roll back') && names.includes('deploy · rolled back'));
    assert.equal(compiled.steps.find((s) => s.name === 'deploy')!.kind, 'rollout');
  });
}

test('blue_green switches once and bakes; alarms add a DescribeAlarms state', () => {
  const compiled = compile(
    rolloutPipeline(TARGETS.alb, 'strategy: blue_green\n      interval: 10m\n      analysis: { alarms: [web-5xx] }'),
    { file: '.sci/deliver.yml' },
  );
  const states = compiled.definition.States;
  const shifts = Object.keys(states).filter((n) => /^deploy · \d+%$/.test(n));
  assert.deepEqual(shifts, ['deploy · 100%']);
  assert.deepEqual(states['deploy · bake 100%'], { Type: 'Wait', Seconds: 600, Next: 'deploy · alarms 100%' });
  assert.ok(!('deploy · measure 100%' in states), 'no metrics asked for, none read');
});

test('a local target is refused when compiling for AWS, with its position', () => {
  const compiled = compileSource('.sci/deliver.yml', rolloutPipeline(TARGETS.local), { engine: 'aws' });
  assert.ok(!compiled.ok);
  assert.deepEqual(
    compiled.diagnostics.map((d) => [d.span?.line, d.span?.col, d.message]),
    [[9, 5, 'a local rollout target runs only under sci run: deploy with a lambda or alb target']],
  );
});
