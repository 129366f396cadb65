/** Manual inputs: typed, defaulted, every declared one present. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePipeline } from '../../../statemachines/pipeline/parse.ts';
import { resolveInputs } from '../../../statemachines/pipeline/triggers.ts';

const result = parsePipeline(
  '.sci/deploy.yml',
  `on:
  manual:
    inputs:
      target: { type: choice, options: [staging, prod], default: staging }
      dry_run: { type: boolean, default: true }
      replicas: { type: number }
      note: { type: string }
      ticket: { required: true }
steps:
  a:
    run: x
`,
);
assert.ok(result.ok);
const pipeline = result.value;

const cases: Array<[string, Record<string, unknown>, Record<string, unknown> | string[]]> = [
  [
    'defaults applied, empty values for the rest',
    { ticket: 'T-1' },
    { target: 'staging', dry_run: true, replicas: 0, note: '', ticket: 'T-1' },
  ],
  [
    'strings typed as declared',
    { ticket: 'T', target: 'prod', dry_run: 'false', replicas: '3', note: '42' },
    { target: 'prod', dry_run: false, replicas: 3, note: '42', ticket: 'T' },
  ],
  [
    'JSON values accepted',
    { ticket: 'T', dry_run: false, replicas: 2.5, note: 7 },
    { target: 'staging', dry_run: false, replicas: 2.5, note: '7', ticket: 'T' },
  ],
  ['required missing', {}, ["input 'ticket' is required"]],
  ['choice outside options', { ticket: 'T', target: 'qa' }, ["input 'target' must be one of staging, prod, got 'qa'"]],
  ['boolean not true/false', { ticket: 'T', dry_run: 'yes' }, ["input 'dry_run' must be true or false, got 'yes'"]],
  ['number not a number', { ticket: 'T', replicas: '3x' }, ["input 'replicas' must be a number, got '3x'"]],
  [
    'unknown input',
    { ticket: 'T', targte: 'prod' },
    ["unknown input 'targte' for pipeline deploy (did you mean 'target'?)"],
  ],
  [
    'all problems at once',
    { replicas: 'many', dry_run: 'no' },
    [
      "input 'dry_run' must be true or false, got 'no'",
      "input 'replicas' must be a number, got 'many'",
      "input 'ticket' is required",
    ],
  ],
];

for (const [name, given, expected] of cases) {
  test(`inputs: ${name}`, () => {
    const resolved = resolveInputs(pipeline, given);
    if (Array.isArray(expected)) {
      assert.ok(!resolved.ok);
      assert.deepEqual(
        resolved.diagnostics.map((d) => d.message),
        expected,
      );
    } else {
      assert.ok(resolved.ok, resolved.ok ? '' : resolved.diagnostics.map((d) => d.message).join('\n'));
      assert.deepEqual(resolved.value, expected);
    }
  });
}

test('a pipeline without manual inputs takes none', () => {
  const plain = parsePipeline('.sci/x.yml', 'steps:\n  a:\n    run: x\n');
  assert.ok(plain.ok);
  assert.deepEqual(resolveInputs(plain.value, {}), { ok: true, value: {} });
  assert.equal(resolveInputs(plain.value, { a: '1' }).ok, false);
});
