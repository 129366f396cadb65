/**
 * Property: no input, however broken, makes the parser throw or return an unpositioned
 * problem. Runs are bounded so the suite stays fast on a small machine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parsePipeline } from '../../../statemachines/pipeline/parse.ts';
import { validateRepo } from '../../../statemachines/pipeline/repo.ts';

const RUNS = 300;

function assertWellFormed(result: ReturnType<typeof parsePipeline>): void {
  if (result.ok) return;
  assert.ok(result.diagnostics.length > 0);
  for (const d of result.diagnostics) {
    assert.equal(typeof d.message, 'string');
    assert.ok(d.span && d.span.line >= 1 && d.span.col >= 1, `unpositioned: ${d.message}`);
    assert.notEqual(d.code, 'internal', d.message);
  }
}

/** Words the format uses, so random documents hit real keys and expressions often. */
const words = fc.constantFrom(
  'steps',
  'run',
  'needs',
  'matrix',
  'if',
  'on',
  'push',
  'branches',
  'env',
  'secrets',
  'timeout',
  'retry',
  'approval',
  'pipeline',
  'name',
  'inputs',
  'manual',
  'schedule',
  'cron',
  'image',
  'a',
  'b',
  '${{ branch }}',
  '${{ matrix.x',
  "branch == 'main'",
  '10m',
  'ssm:/x',
  '',
);
const yamlish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    words,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    tie('list'),
    tie('map'),
  ),
  list: fc.array(tie('value'), { maxLength: 4 }),
  map: fc.dictionary(words, tie('value'), { maxKeys: 5 }),
})).value;

test('arbitrary strings never make parsePipeline throw', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (text) => assertWellFormed(parsePipeline('.sci/x.yml', text))),
    { numRuns: RUNS, seed: 42 },
  );
});

test('arbitrary YAML documents built from the format words never make parsePipeline throw', () => {
  fc.assert(
    fc.property(yamlish, (doc) => assertWellFormed(parsePipeline('.sci/x.yml', stringify(doc)))),
    { numRuns: RUNS, seed: 7 },
  );
});

test('arbitrary step maps never make parsePipeline throw', () => {
  const step = fc.dictionary(words, yamlish, { maxKeys: 6 });
  fc.assert(
    fc.property(fc.dictionary(words, step, { maxKeys: 4 }), (steps) =>
      assertWellFormed(parsePipeline('.sci/x.yml', stringify({ steps }))),
    ),
    { numRuns: RUNS, seed: 11 },
  );
});

test('arbitrary repositories never make validateRepo throw', () => {
  const file = fc.record({
    path: fc.constantFrom('.sci/a.yml', '.sci/b.yaml', '.sci/c/d.yml', 'x.yml'),
    text: fc.oneof(
      fc.string({ maxLength: 100 }),
      yamlish.map((d) => stringify(d)),
    ),
  });
  fc.assert(
    fc.property(fc.array(file, { maxLength: 4 }), (files) => {
      const { diagnostics } = validateRepo(files);
      assert.ok(
        diagnostics.every((d) => d.code !== 'internal'),
        diagnostics.map((d) => d.message).join('\n'),
      );
    }),
    { numRuns: RUNS, seed: 3 },
  );
});
