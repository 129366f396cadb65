/**
 * Renders a `${{ }}` template against known values, for the one place the dispatcher needs a
 * value before the execution exists: the concurrency group. Status functions have no meaning
 * there (no step has run), so they read as `true` only for `always()`.
 */
import picomatch from 'picomatch';
import type { Expr, Template } from '../../statemachines/pipeline/model.ts';

type Value = string | number | boolean | null;

function lookup(context: Record<string, unknown>, path: string[]): Value {
  let value: unknown = context;
  for (const key of path)
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
}

const truthy = (v: Value) => v !== null && v !== false && v !== '' && v !== 0;

/** Evaluates an expression with GitHub Actions' loose equality on strings/numbers. */
export function evaluate(expr: Expr, context: Record<string, unknown>): Value {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'context':
      return lookup(context, expr.path);
    case 'not':
      return !truthy(evaluate(expr.operand, context));
    case 'binary': {
      const left = evaluate(expr.left, context);
      if (expr.op === '&&') return truthy(left) ? evaluate(expr.right, context) : left;
      if (expr.op === '||') return truthy(left) ? left : evaluate(expr.right, context);
      const equal = String(left) === String(evaluate(expr.right, context));
      return expr.op === '==' ? equal : !equal;
    }
    case 'call': {
      const [a, b] = expr.args.map((arg) => String(evaluate(arg, context) ?? ''));
      if (expr.name === 'startsWith') return (a ?? '').startsWith(b ?? '');
      if (expr.name === 'matches') return picomatch.isMatch(a ?? '', b ?? '');
      return expr.name === 'always';
    }
  }
}

/** The template's text with every expression replaced by its value. */
export function renderTemplate(template: Template, context: Record<string, unknown>): string {
  return template.parts
    .map((part) => ('text' in part ? part.text : String(evaluate(part.expr, context) ?? '')))
    .join('');
}
