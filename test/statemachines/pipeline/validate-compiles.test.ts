/**
 * Property: whatever the parser accepts, the compiler compiles (the generator also writes
 * shapes the parser must refuse, like `${{ branch == 'x' }}` in a command). `sci validate` promises a
 * file will deploy, and the dispatcher treats a compile failure after validation as our bug.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parsePipeline } from '../../../statemachines/pipeline/parse.ts';
import { compileSource } from '../../../statemachines/compiler/compile.ts';

const CONTEXTS = [
  'event',
  'branch',
  'tag',
  'sha',
  'ref',
  'repo',
  'actor',
  'pr.number',
  'pr.base',
  'pr.fork',
  'pipeline.id',
  'run.id',
  'inputs.target',
  'inputs.dry',
  'inputs.n',
];
const LITERALS = ["'main'", "'it''s'", '1', '0', 'true', 'false', 'null'];

const value = (matrix: boolean) => fc.constantFrom(...CONTEXTS, ...LITERALS, ...(matrix ? ['matrix.node'] : []));
const condition = (matrix: boolean) =>
  fc.letrec<{ expr: string }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      value(matrix),
      fc.tuple(value(matrix), fc.constantFrom('==', '!='), value(matrix)).map(([a, op, b]) => `${a} ${op} ${b}`),
      fc
        .tuple(
          fc.constantFrom('startsWith', 'matches'),
          fc.constantFrom(...CONTEXTS, ...(matrix ? ['matrix.node'] : [])),
          fc.constantFrom("'v'", "'release/*'", "''"),
        )
        .map(([f, a, p]) => `${f}(${a}, ${p})`),
      fc.constantFrom('success()', 'failure()', 'always()', 'cancelled()'),
      tie('expr').map((e) => `!(${e})`),
      fc.tuple(tie('expr'), fc.constantFrom('==', '!='), value(matrix)).map(([a, op, b]) => `!${a} ${op} ${b}`),
      fc.tuple(tie('expr'), fc.constantFrom('&&', '||'), tie('expr')).map(([a, op, b]) => `(${a}) ${op} (${b})`),
    ),
  })).expr;
const template = (matrix: boolean) =>
  fc
    .array(
      fc.oneof(
        fc.constantFrom('npm test', ' -- ', '"quoted"', "'$x'", '`cmd`'),
        fc
          .constantFrom(...CONTEXTS, ...(matrix ? ['matrix.node'] : []), "'lit'", "branch == 'x'", 'success()')
          .map((c) => `\${{ ${c} }}`),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((p) => p.join(''));

/** Step names that stress state-name rules: punctuation, non-ASCII, near the 80-character limit. */
const NAME_STYLES = [
  (i: number) => `s${i}`,
  (i: number) => `build & test ${i}`,
  (i: number) => `ünï-cödé ${i}`,
  (i: number) => `a:b/c.d "${i}"`,
  (i: number) => `${'n'.repeat(66)}${i}`,
];

const step = (names: string[], index: number) =>
  fc.boolean().chain((matrix) =>
    fc.record({
      kind: fc.constantFrom('run', 'run', 'approval', 'pipeline'),
      if: fc.option(condition(matrix), { nil: undefined }),
      needs: fc.subarray(names.slice(0, index)),
      text: template(matrix),
      allowFailure: fc.boolean(),
      matrix: fc.constant(matrix),
    }),
  );

const pipelineFile = fc
  .array(fc.integer({ min: 0, max: NAME_STYLES.length - 1 }), { minLength: 1, maxLength: 5 })
  .map((styles) => styles.map((style, i) => NAME_STYLES[style]!(i)))
  .chain((names) => fc.tuple(fc.constant(names), fc.tuple(...names.map((_, i) => step(names, i)))))
  .map(([names, steps]) => ({
    on: {
      push: null,
      manual: {
        inputs: {
          target: { type: 'choice', options: ['a', 'b'] },
          dry: { type: 'boolean' },
          n: { type: 'number', default: 1 },
        },
      },
    },
    steps: Object.fromEntries(
      steps.map((s, i) => [
        names[i]!,
        {
          needs: s.needs,
          ...(s.if !== undefined && { if: s.if }),
          ...(s.allowFailure && { allow_failure: true }),
          ...(s.matrix && { matrix: { node: [20, 22] } }),
          ...(s.kind === 'run' && { run: s.text, env: { X: s.text } }),
          ...(s.kind === 'approval' && { approval: { message: s.text } }),
          ...(s.kind === 'pipeline' && { pipeline: { name: 'other', inputs: { target: s.text } } }),
        },
      ]),
    ),
  }));

test('every pipeline the parser accepts compiles', () => {
  let accepted = 0;
  fc.assert(
    fc.property(pipelineFile, (file) => {
      const text = stringify(file);
      if (!parsePipeline('.sci/p.yml', text).ok) return;
      accepted++;
      const compiled = compileSource('.sci/p.yml', text);
      assert.ok(
        compiled.ok,
        `${text}\n${compiled.ok ? '' : compiled.diagnostics.map((d) => `${d.span?.line}:${d.span?.col} ${d.message}`).join('\n')}`,
      );
    }),
    { numRuns: 200, seed: 2026 },
  );
  // The generator also writes what the parser must refuse; most files should still be valid.
  assert.ok(accepted >= 50, `only ${accepted} generated files were valid`);
});
