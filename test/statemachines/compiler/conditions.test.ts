/** Table tests: `if:` expressions → Choice rules (or constants) on the execution input. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseExpression } from '../../../statemachines/pipeline/expressions.ts';
import { compileCondition, globMatch, type NeedView } from '../../../statemachines/compiler/conditions.ts';
import type { Pipeline } from '../../../statemachines/pipeline/model.ts';

const span = { file: 'p.yml', line: 1, col: 1 };
const pipeline = {
  id: 'ci',
  file: '.sci/ci.yml',
  name: 'ci',
  env: {},
  steps: [],
  defaults: { image: { parts: [{ text: 'node' }], span }, compute: 'small', timeout: 3600 },
  triggers: {
    manual: {
      inputs: {
        target: { type: 'choice', options: ['a', 'b'], required: false },
        dry_run: { type: 'boolean', required: false },
        count: { type: 'number', required: false },
        'dash-name': { type: 'string', required: false },
      },
    },
  },
} as unknown as Pipeline;
const needs: NeedView[] = [
  { key: 'lint', allowFailure: false, statusPath: '$.steps.lint.status' },
  { key: 'flaky', allowFailure: true, statusPath: '$.gates.me.flaky.status' },
];

function compile(text: string, matrix: Record<string, string | number | boolean> = {}) {
  const expr = parseExpression(text, span);
  assert.ok(expr.ok, JSON.stringify(!expr.ok && expr.diagnostics));
  return compileCondition(expr.value, { pipeline, matrix, needs });
}

const eq = (Variable: string, StringEquals: string) => ({ Variable, StringEquals });

const CASES: Array<[string, unknown, Record<string, string | number | boolean>?]> = [
  ["branch == 'main'", { kind: 'rule', rule: eq('$.run.branch', 'main') }],
  ["branch != 'main'", { kind: 'rule', rule: { Not: eq('$.run.branch', 'main') } }],
  ["'main' == branch", { kind: 'rule', rule: eq('$.run.branch', 'main') }],
  ["startsWith(tag, 'v')", { kind: 'rule', rule: { Variable: '$.run.tag', StringMatches: 'v*' } }],
  [
    "startsWith(branch, 'a*b\\\\')",
    { kind: 'rule', rule: { Variable: '$.run.branch', StringMatches: 'a\\*b\\\\\\\\*' } },
  ],
  ["matches(branch, 'release/*')", { kind: 'rule', rule: { Variable: '$.run.branch', StringMatches: 'release/*' } }],
  ['pr.fork', { kind: 'rule', rule: { Variable: '$.run.pr.fork', BooleanEquals: true } }],
  ['!pr.fork', { kind: 'rule', rule: { Not: { Variable: '$.run.pr.fork', BooleanEquals: true } } }],
  ['pr.number == 42', { kind: 'rule', rule: { Variable: '$.run.pr.number', NumericEquals: 42 } }],
  ['inputs.dry_run == true', { kind: 'rule', rule: { Variable: '$.run.inputs.dry_run', BooleanEquals: true } }],
  ["inputs.dash-name == 'x'", { kind: 'rule', rule: eq("$.run.inputs['dash-name']", 'x') }],
  ['inputs.count', { kind: 'rule', rule: { Not: { Variable: '$.run.inputs.count', NumericEquals: 0 } } }],
  ['tag', { kind: 'rule', rule: { Not: eq('$.run.tag', '') } }],
  [
    "event == 'push' && branch == 'main'",
    { kind: 'rule', rule: { And: [eq('$.run.event', 'push'), eq('$.run.branch', 'main')] } },
  ],
  [
    "event == 'push' || !(branch == 'main')",
    { kind: 'rule', rule: { Or: [eq('$.run.event', 'push'), { Not: eq('$.run.branch', 'main') }] } },
  ],
  ['branch == ref', { kind: 'rule', rule: { Variable: '$.run.branch', StringEqualsPath: '$.run.ref' } }],
  [
    "pipeline.id == 'ci' && run.id != ''",
    { kind: 'rule', rule: { And: [eq('$.run.pipeline', 'ci'), { Not: eq('$.run.id', '') }] } },
  ],
  ['always()', { kind: 'const', value: true }],
  ['cancelled()', { kind: 'const', value: false }],
  [
    'success()',
    {
      kind: 'rule',
      rule: {
        And: [
          eq('$.steps.lint.status', 'succeeded'),
          { Or: [eq('$.gates.me.flaky.status', 'succeeded'), eq('$.gates.me.flaky.status', 'failed')] },
        ],
      },
    },
  ],
  ['failure()', { kind: 'rule', rule: eq('$.steps.lint.status', 'failed') }],
  ["always() || branch == 'x'", { kind: 'const', value: true }],
  ["matrix.node == 20 && branch == 'main'", { kind: 'rule', rule: eq('$.run.branch', 'main') }, { node: 20 }],
  ['matrix.node == 20', { kind: 'const', value: false }, { node: 22 }],
  ["startsWith(matrix.os, 'ubuntu')", { kind: 'const', value: true }, { os: 'ubuntu-22' }],
  ['inputs.nope', "unknown input 'nope' (declare it under on.manual.inputs)"],
];

describe('if: → Choice rules', () => {
  for (const [text, want, matrix] of CASES) {
    it(text, () => assert.deepEqual(compile(text, matrix), want));
  }
});

describe('StringMatches semantics used for constant folding', () => {
  const table: Array<[string, string, boolean]> = [
    ['v1.2', 'v*', true],
    ['xv1', 'v*', false],
    ['a*b', 'a\\*b', true],
    ['axb', 'a\\*b', false],
    ['release/1', 'release/*', true],
    ['a\\', 'a\\\\', true],
    ['', '*', true],
  ];
  for (const [text, glob, want] of table)
    it(`${JSON.stringify(text)} ~ ${glob}`, () => assert.equal(globMatch(text, glob), want));
});
