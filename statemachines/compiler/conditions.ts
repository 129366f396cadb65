/**
 * `if:` expressions → Choice rules on the execution input (`$.run.*`) and on need
 * statuses, so Step Functions itself decides (no Lambda) and the console shows why.
 */
import type { ChoiceRule } from '../asl/types.ts';
import type { Expr, MatrixValue, Pipeline } from '../pipeline/model.ts';
import { resolveContext, type RecordPaths } from './context.ts';

/** A compiled condition: folded to a constant when it does not depend on the run. */
export type Cond = { kind: 'const'; value: boolean } | { kind: 'rule'; rule: ChoiceRule };

/** A direct need as a condition sees it. */
export interface NeedView {
  key: string;
  allowFailure: boolean;
  /** Where its terminal status is at this point of the definition. */
  statusPath: string;
}

export interface ConditionScope {
  pipeline: Pipeline;
  matrix: Record<string, MatrixValue>;
  needs: NeedView[];
  records?: RecordPaths;
}

/** Thrown inside this module only; `compileCondition` turns it into a message. */
class Unsupported {
  constructor(readonly message: string) {}
}

type Operand =
  | { kind: 'literal'; value: MatrixValue | null }
  | { kind: 'path'; path: string; type: 'string' | 'number' | 'boolean' };

const TRUE: Cond = { kind: 'const', value: true };
const FALSE: Cond = { kind: 'const', value: false };

/** Compiles an `if`; a string result is the reason it cannot run on Step Functions. */
export function compileCondition(expr: Expr, scope: ConditionScope): Cond | string {
  try {
    return cond(expr, scope);
  } catch (error) {
    if (error instanceof Unsupported) return error.message;
    throw error;
  }
}

export function not(c: Cond): Cond {
  if (c.kind === 'const') return { kind: 'const', value: !c.value };
  const rule = c.rule;
  return { kind: 'rule', rule: 'Not' in rule ? (rule.Not as ChoiceRule) : { Not: rule } };
}

export function all(parts: Cond[]): Cond {
  return combine(parts, 'And', false);
}

export function any(parts: Cond[]): Cond {
  return combine(parts, 'Or', true);
}

function combine(parts: Cond[], op: 'And' | 'Or', dominant: boolean): Cond {
  if (parts.some((p) => p.kind === 'const' && p.value === dominant)) return { kind: 'const', value: dominant };
  const rules = parts.flatMap((p) => (p.kind === 'rule' ? [p.rule] : []));
  if (rules.length === 0) return { kind: 'const', value: !dominant };
  if (rules.length === 1) return { kind: 'rule', rule: rules[0]! };
  return { kind: 'rule', rule: op === 'And' ? { And: rules } : { Or: rules } };
}

const test = (Variable: string, op: string, value: string | number | boolean): Cond => ({
  kind: 'rule',
  rule: { Variable, [op]: value },
});

/** A need counts as a success when it succeeded, or failed with `allow_failure`. */
export function needSucceeded(n: NeedView): Cond {
  const ok = test(n.statusPath, 'StringEquals', 'succeeded');
  return n.allowFailure ? any([ok, test(n.statusPath, 'StringEquals', 'failed')]) : ok;
}

function cond(e: Expr, scope: ConditionScope): Cond {
  switch (e.kind) {
    case 'literal':
      return { kind: 'const', value: truthy(e.value) };
    case 'context':
      return truthiness(operand(e, scope));
    case 'not':
      return not(cond(e.operand, scope));
    case 'binary':
      if (e.op === '&&') return all([cond(e.left, scope), cond(e.right, scope)]);
      if (e.op === '||') return any([cond(e.left, scope), cond(e.right, scope)]);
      return e.op === '==' ? equals(e.left, e.right, scope) : not(equals(e.left, e.right, scope));
    case 'call':
      return call(e, scope);
  }
}

function call(e: Extract<Expr, { kind: 'call' }>, scope: ConditionScope): Cond {
  switch (e.name) {
    case 'always':
      return TRUE;
    case 'cancelled':
      // A cancelled run stops its execution, so no state ever observes cancellation.
      return FALSE;
    case 'success':
      return all(scope.needs.map(needSucceeded));
    case 'failure':
      return any(scope.needs.filter((n) => !n.allowFailure).map((n) => test(n.statusPath, 'StringEquals', 'failed')));
    case 'startsWith':
    case 'matches':
      return pattern(e, scope);
  }
}

function pattern(e: Extract<Expr, { kind: 'call' }>, scope: ConditionScope): Cond {
  const [subject, pat] = e.args;
  if (!subject || !pat || e.args.length !== 2) throw new Unsupported(`${e.name}() takes two arguments`);
  const p = operand(pat, scope);
  if (p.kind !== 'literal' || typeof p.value !== 'string') {
    throw new Unsupported(`the second argument of ${e.name}() must be a quoted string`);
  }
  // Step Functions' StringMatches knows only `*`; startsWith must match its prefix literally.
  const glob = e.name === 'startsWith' ? `${p.value.replace(/[\\*]/g, (c) => `\\${c}`)}*` : p.value;
  const s = operand(subject, scope);
  if (s.kind === 'literal') return { kind: 'const', value: globMatch(String(s.value), glob) };
  return test(s.path, 'StringMatches', glob);
}

function equals(left: Expr, right: Expr, scope: ConditionScope): Cond {
  const l = operand(left, scope);
  const r = operand(right, scope);
  if (l.kind === 'literal' && r.kind === 'literal') return { kind: 'const', value: l.value === r.value };
  if (l.kind === 'path' && r.kind === 'path') {
    const op = { string: 'StringEqualsPath', number: 'NumericEqualsPath', boolean: 'BooleanEqualsPath' }[l.type];
    return test(l.path, op, r.path);
  }
  const [path, lit] =
    l.kind === 'path' ? [l, r as Extract<Operand, { kind: 'literal' }>] : [r as Extract<Operand, { kind: 'path' }>, l];
  if (lit.value === null) return test(path.path, 'IsNull', true);
  const op = { string: 'StringEquals', number: 'NumericEquals', boolean: 'BooleanEquals' }[
    typeof lit.value as 'string'
  ];
  return test(path.path, op, lit.value);
}

function operand(e: Expr, scope: ConditionScope): Operand {
  if (e.kind === 'literal') return { kind: 'literal', value: e.value };
  if (e.kind !== 'context') throw new Unsupported('only values (contexts and quoted literals) can be compared');
  const v = resolveContext(e, scope.pipeline, scope.matrix, scope.records);
  if (typeof v === 'string') throw new Unsupported(v);
  return v.kind === 'literal' ? v : { kind: 'path', path: v.path, type: v.type };
}

function truthiness(o: Operand): Cond {
  if (o.kind === 'literal') return { kind: 'const', value: truthy(o.value) };
  if (o.type === 'boolean') return test(o.path, 'BooleanEquals', true);
  return not(o.type === 'number' ? test(o.path, 'NumericEquals', 0) : test(o.path, 'StringEquals', ''));
}

function truthy(v: MatrixValue | null): boolean {
  return v !== null && v !== false && v !== 0 && v !== '';
}

/** Step Functions' StringMatches semantics: `*` is any run of characters, `\*` and `\\` are literal. */
export function globMatch(text: string, glob: string): boolean {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length) re += escapeRe(glob[++i]!);
    else re += c === '*' ? '.*' : escapeRe(c);
  }
  return new RegExp(`^${re}$`, 's').test(text);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
