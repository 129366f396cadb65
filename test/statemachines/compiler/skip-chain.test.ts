/**
 * The chain of a step skipped because a need did not succeed (status.ts `needsSkipChain`): a literal
 * `failed` where every step upstream can be skipped only after a failure, read from the needs'
 * records where one could be skipped by its own condition (its chain is then `succeeded`). Executed
 * in aws-local-stepfunctions; the chain reaches the store and the `always()` step after it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertValidAsl } from './asl-valid.ts';
import { allStates } from './asl-states.ts';
import { compile, envOf, execute, runInput, statusOf, stepItem } from './harness.ts';

// b is skipped by its own condition, so c (skipped after it) did not follow a failure; e fails, f is skipped after it.
const PIPELINE = `
steps:
  a: { run: x }
  b: { needs: [a], if: "branch == 'nope'", run: x }
  c: { needs: [b], run: x }
  d: { needs: [c], if: always(), run: x }
  e: { needs: [a], run: x }
  f: { needs: [e], run: x }
  g: { needs: [f], if: always(), run: x }
`;

test('a skip after a failure upstream records chain failed without reading it; after a condition, the chain read', async () => {
  const compiled = compile(PIPELINE, { file: '.sci/skips.yml' });
  assertValidAsl(compiled.json);
  const states = new Map(allStates(compiled.definition));
  const chainOf = (name: string) => {
    const p = (states.get(name) as { Parameters: Record<string, unknown> }).Parameters;
    return p.c ?? p['c.$'];
  };
  assert.equal(chainOf('f · skip'), 'failed');
  assert.equal(chainOf('c · skip'), '$.steps.b.chain');

  const runStatus = new Map<string, string>();
  const out = await execute(compiled.definition, runInput(), compiled.steps, {
    build: async (call) => {
      runStatus.set(call.key, envOf(call).SCI_RUN_STATUS ?? 'succeeded');
      if (call.key === 'e') throw Object.assign(new Error('exit 1'), { name: 'sci.BuildFailed' });
    },
  });
  const chain = (key: string) => (stepItem(out, key)?.chain as { S: string } | undefined)?.S;
  for (const [key, status] of Object.entries({ b: 'skipped', c: 'skipped', e: 'failed', f: 'skipped' }))
    assert.equal(statusOf(out, key), status, key);
  assert.equal(chain('c'), 'succeeded');
  assert.equal(chain('f'), 'failed');
  assert.equal(runStatus.get('d'), 'succeeded');
  assert.equal(runStatus.get('g'), 'failed');
});
