/** The expression language: what parses into which tree, and where errors point. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseCondition,
  parseExpression,
  parseTemplate,
  walkExpr,
} from '../../../statemachines/pipeline/expressions.ts';
import type { Expr } from '../../../statemachines/pipeline/model.ts';

const at = { file: 'f.yml', line: 3, col: 9 };

/** A compact rendering of a tree: precedence and grouping become visible. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      return JSON.stringify(e.value);
    case 'context':
      return e.path.join('.');
    case 'not':
      return `!${show(e.operand)}`;
    case 'binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'call':
      return `${e.name}(${e.args.map(show).join(', ')})`;
  }
}

const valid: Array<[string, string]> = [
  ["branch == 'main'", '(branch == "main")'],
  ["branch != 'main'", '(branch != "main")'],
  ["tag == 'x'", '(tag == "x")'],
  ["branch == 'main' || startsWith(tag, 'v')", '((branch == "main") || startsWith(tag, "v"))'],
  ["event == 'push' && branch == 'main' || always()", '(((event == "push") && (branch == "main")) || always())'],
  ["event == 'push' && (branch == 'main' || always())", '((event == "push") && ((branch == "main") || always()))'],
  ['!pr.fork', '!pr.fork'],
  ['!pr.fork == true', '(!pr.fork == true)'],
  ['!!success()', '!!success()'],
  ['pr.number == 42', '(pr.number == 42)'],
  ['inputs.dry_run == false', '(inputs.dry_run == false)'],
  ['inputs.x == null', '(inputs.x == null)'],
  ['matrix.node == 20.5', '(matrix.node == 20.5)'],
  ['pipeline.id == run.id', '(pipeline.id == run.id)'],
  ["matches(branch, 'release/*')", 'matches(branch, "release/*")'],
  ["'it''s' == actor", '("it\'s" == actor)'],
  ['failure() || cancelled()', '(failure() || cancelled())'],
  ['  sha  ', 'sha'],
  ['ref', 'ref'],
  ['repo', 'repo'],
];

for (const [text, expected] of valid) {
  test(`expression: ${text}`, () => {
    const result = parseExpression(text, at);
    assert.ok(result.ok, result.ok ? '' : result.diagnostics[0]!.message);
    assert.equal(show(result.value), expected);
  });
}

const invalid: Array<[string, number, string]> = [
  ['', 9, 'expression: expected a value, got end of expression'],
  ["branch == 'main", 19, "expression: unterminated string (missing closing ')"],
  ["branch === 'main'", 18, "expression: use '==' to compare"],
  ["branch = 'main'", 16, "expression: use '==' to compare"],
  ["branch == 'a' == 'b'", 23, 'expression: chained comparison: add parentheses'],
  ['(always()', 18, "expression: missing ')'"],
  ['always())', 17, "expression: unexpected ')'"],
  ['branch &', 16, "expression: unexpected character '&'"],
  ['branch and tag', 16, "expression: unexpected 'and'"],
  ['foo', 9, "expression: unknown context 'foo'"],
  ['pr', 9, "expression: 'pr' is not a context (use pr.number, pr.base, pr.fork)"],
  ['branch.name', 9, "expression: 'branch.name' is not a context (use branch)"],
  ['inputs', 9, "expression: 'inputs' is not a context (use inputs.NAME)"],
  ['inputs.a.b', 9, "expression: 'inputs.a.b' is not a context (use inputs.NAME)"],
  ['run.', 13, "expression: expected a name after '.', got end of expression"],
  ["contains(branch, 'x')", 9, "expression: unknown function 'contains'"],
  ['startsWith(branch)', 9, 'expression: startsWith() takes 2 arguments, got 1'],
  ["startsWith('main', 'm')", 9, 'expression: startsWith(): the first argument must be a context like branch or tag'],
  ['matches(branch, 1)', 9, 'expression: matches(): the second argument must be a quoted string'],
  ["startsWith(branch 'v')", 27, "expression: expected ',' or ')'"],
  ['success(', 17, 'expression: expected a value, got end of expression'],
  ['branch == "x"', 19, "expression: strings use single quotes: 'like this'"],
];

for (const [text, col, message] of invalid) {
  test(`invalid expression: ${text || '(empty)'}`, () => {
    const result = parseExpression(text, at);
    assert.ok(!result.ok);
    assert.deepEqual(
      result.diagnostics.map((d) => [d.span?.line, d.span?.col, d.message]),
      [[3, col, message]],
    );
  });
}

test('spans cover the node they describe', () => {
  const result = parseExpression("branch == 'main'", at);
  assert.ok(result.ok && result.value.kind === 'binary');
  assert.deepEqual(result.value.left.span, { file: 'f.yml', line: 3, col: 9, endLine: 3, endCol: 15 });
  assert.deepEqual(result.value.right.span, { file: 'f.yml', line: 3, col: 19, endLine: 3, endCol: 25 });
});

test('templates split text and expressions', () => {
  const result = parseTemplate("npm test -- --shard=${{ matrix.shard }}/2 ${{'x'}}", at);
  assert.ok(result.ok);
  assert.deepEqual(
    result.value.parts.map((p) => ('text' in p ? p.text : show(p.expr))),
    ['npm test -- --shard=', 'matrix.shard', '/2 ', '"x"'],
  );
});

test('a template reports every broken expression at its own column', () => {
  const result = parseTemplate('${{ foo }} and ${{ bar }}', at);
  assert.ok(!result.ok);
  assert.deepEqual(
    result.diagnostics.map((d) => d.span?.col),
    [13, 28],
  );
});

test('a template without expressions is one text part; "}}" inside a string does not close', () => {
  const plain = parseTemplate('just text', at);
  assert.ok(plain.ok);
  assert.deepEqual(plain.value.parts, [{ text: 'just text' }]);
  const quoted = parseTemplate("${{ 'a}}b' == actor }}", at);
  assert.ok(quoted.ok);
  assert.equal(quoted.value.parts.length, 1);
});

test('expressions spanning lines keep the base indentation', () => {
  const result = parseExpression("branch == 'x' &&\n  nope", at);
  assert.ok(!result.ok);
  assert.deepEqual([result.diagnostics[0]!.span?.line, result.diagnostics[0]!.span?.col], [4, 11]);
});

test('an if may be wrapped in ${{ }} as in GitHub Actions; positions stay in the original text', () => {
  const wrapped = parseCondition("${{ branch == 'main' }}", at);
  assert.ok(wrapped.ok);
  assert.equal(show(wrapped.value), '(branch == "main")');
  assert.deepEqual(wrapped.value.span, { file: 'f.yml', line: 3, col: 13, endLine: 3, endCol: 29 });
  const broken = parseCondition('${{ nope }}', at);
  assert.ok(!broken.ok);
  assert.equal(broken.diagnostics[0]!.span?.col, 13);
  assert.equal(parseCondition('${{ a }} == ${{ b }}', at).ok, false);
});

test('hostile expressions are refused before they can exhaust the stack', () => {
  const messages = (text: string) => {
    const result = parseExpression(text, at);
    return result.ok ? [] : result.diagnostics.map((d) => d.message);
  };
  assert.deepEqual(messages(`${'('.repeat(40)}always()${')'.repeat(40)}`), [
    'expression: expression nested more than 32 levels deep',
  ]);
  assert.deepEqual(messages(`${'!'.repeat(40)}always()`), ["expression: more than 32 '!' in a row"]);
  assert.deepEqual(messages('x'.repeat(5000)), ['expression: longer than 4096 characters']);
  const chain = Array.from({ length: 300 }, () => 'always()').join(' && ');
  const parsed = parseExpression(chain, at);
  assert.ok(parsed.ok);
  assert.equal([...walkExpr(parsed.value)].length, 599);
  assert.ok(parseExpression(`${'('.repeat(30)}always()${')'.repeat(30)}`, at).ok);
});
