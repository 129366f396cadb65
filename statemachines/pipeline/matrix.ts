/**
 * Matrix cells and inlining: matrix values are written in the file itself, so they are
 * substituted into a step's templates and `if` rather than passed as runtime data.
 */
import type { Expr, MatrixValue, Step, Template } from './model.ts';

/** One combination of matrix values, axis → value. */
export type MatrixCell = Record<string, MatrixValue>;

/** Cartesian product in axis order, first axis outermost; a plain step has one empty cell. */
export function matrixCells(matrix: Record<string, MatrixValue[]> | undefined): MatrixCell[] {
  let cells: MatrixCell[] = [{}];
  for (const [axis, values] of Object.entries(matrix ?? {})) {
    cells = cells.flatMap((cell) => values.map((value) => ({ ...cell, [axis]: value })));
  }
  return cells;
}

/** `test (node=20, shard=1)`; the plain name for an empty cell. */
export function instanceName(name: string, cell: MatrixCell): string {
  const entries = Object.entries(cell);
  return entries.length === 0 ? name : `${name} (${entries.map(([k, v]) => `${k}=${String(v)}`).join(', ')})`;
}

/** Replaces `${{ matrix.X }}` parts with the cell's value, merging adjacent text. */
export function substituteMatrix(template: Template, cell: MatrixCell): Template {
  const parts: Template['parts'] = [];
  for (const part of template.parts) {
    const value = 'expr' in part ? matrixValue(part.expr, cell) : undefined;
    const next = value !== undefined ? { text: String(value) } : 'expr' in part ? { expr: substituteMatrixExpr(part.expr, cell) } : part;
    const last = parts.at(-1);
    if ('text' in next && last && 'text' in last) parts[parts.length - 1] = { text: last.text + next.text };
    else parts.push(next);
  }
  return { parts, span: template.span };
}

/** Replaces `matrix.X` contexts with literals (`matrix.node == 20` becomes decidable at compile time). */
export function substituteMatrixExpr(expr: Expr, cell: MatrixCell): Expr {
  switch (expr.kind) {
    case 'context': {
      const value = matrixValue(expr, cell);
      return value === undefined ? expr : { kind: 'literal', value, span: expr.span };
    }
    case 'not':
      return { ...expr, operand: substituteMatrixExpr(expr.operand, cell) };
    case 'binary':
      return { ...expr, left: substituteMatrixExpr(expr.left, cell), right: substituteMatrixExpr(expr.right, cell) };
    case 'call':
      return { ...expr, args: expr.args.map((a) => substituteMatrixExpr(a, cell)) };
    default:
      return expr;
  }
}

function matrixValue(expr: Expr, cell: MatrixCell): MatrixValue | undefined {
  if (expr.kind !== 'context' || expr.path[0] !== 'matrix' || expr.path.length !== 2) return undefined;
  return Object.hasOwn(cell, expr.path[1]!) ? cell[expr.path[1]!] : undefined;
}

const mapTemplates = (map: Record<string, Template>, cell: MatrixCell) =>
  Object.fromEntries(Object.entries(map).map(([k, t]) => [k, substituteMatrix(t, cell)]));

/** The step as one matrix cell sees it: every template and the `if` with matrix values inlined. */
export function instantiateStep(step: Step, cell: MatrixCell): Step {
  if (Object.keys(cell).length === 0) return step;
  const common = { ...step, if: substituteMatrixExpr(step.if, cell) };
  switch (step.kind) {
    case 'approval':
      return { ...common, kind: 'approval', message: substituteMatrix(step.message, cell) } as Step;
    case 'pipeline':
      return { ...common, kind: 'pipeline', inputs: mapTemplates(step.inputs, cell) } as Step;
    case 'run':
      return {
        ...step,
        if: common.if,
        commands: step.commands.map((c) => substituteMatrix(c, cell)),
        image: substituteMatrix(step.image, cell),
        env: mapTemplates(step.env, cell),
        ...(step.cache && { cache: { key: substituteMatrix(step.cache.key, cell), paths: step.cache.paths } }),
      };
  }
}
