/**
 * Matrix cells and inlining: matrix values are written in the file itself, so they are
 * substituted into a step's templates and `if` rather than passed as runtime data.
 */
import type { Expr, Matrix, MatrixValue, Step, Template } from './model.ts';

/** One combination of matrix values, key → value. */
export type MatrixCell = Record<string, MatrixValue>;

/** GitHub Actions' limit on the jobs one matrix generates, after include/exclude. */
export const MAX_MATRIX_CELLS = 256;
/**
 * Product cells examined before `exclude` has its say: exclusions could bring a larger
 * product under the limit, but enumerating 10^16 cells to find out would hang validation.
 */
export const MAX_MATRIX_PRODUCT = 65_536;

export type Expansion = { ok: true; cells: MatrixCell[] } | { ok: false; message: string };

/**
 * The cells of a matrix, with GitHub Actions' documented semantics: the product of the axes
 * (first axis outermost), then `exclude` (an entry drops every cell matching all of its
 * key:value pairs), then each `include` entry in order: it extends every remaining product
 * cell none of whose axis values it would overwrite (its other keys are added, overwriting
 * what an earlier include added), and when it extends none it becomes a cell of its own.
 * Keys of a cell are ordered axes first, then other keys by first appearance in `include`.
 * A plain step has one empty cell.
 */
export function matrixCells(matrix: Matrix | undefined): Expansion {
  if (!matrix) return { ok: true, cells: [{}] };
  const axes = Object.keys(matrix.axes);
  const product = axes.reduce((n, a) => n * matrix.axes[a]!.length, axes.length === 0 ? 0 : 1);
  if (product > MAX_MATRIX_PRODUCT) {
    return {
      ok: false,
      message: `matrix axes make ${product} combinations before exclude (at most ${MAX_MATRIX_PRODUCT}; at most ${MAX_MATRIX_CELLS} cells in the end)`,
    };
  }
  const original: MatrixCell[] = [];
  for (let i = 0; i < product; i++) {
    const cell: MatrixCell = {};
    let rest = i;
    for (let a = axes.length - 1; a >= 0; a--) {
      const values = matrix.axes[axes[a]!]!;
      cell[axes[a]!] = values[rest % values.length]!;
      rest = Math.floor(rest / values.length);
    }
    if (!matrix.exclude.some((entry) => matches(cell, entry))) original.push(ordered(cell, axes));
  }
  const extended = original.map((cell) => ({ ...cell }));
  const added: MatrixCell[] = [];
  for (const entry of matrix.include) {
    const onAxes = Object.fromEntries(Object.entries(entry).filter(([k]) => Object.hasOwn(matrix.axes, k)));
    const targets = original.flatMap((cell, i) => (matches(cell, onAxes) ? [i] : []));
    if (targets.length === 0) added.push({ ...entry });
    for (const i of targets) Object.assign(extended[i]!, entry);
  }
  const keyOrder = [...new Set([...axes, ...matrix.include.flatMap((e) => Object.keys(e))])];
  const cells = [...extended, ...added].map((cell) => ordered(cell, keyOrder));
  if (cells.length === 0) {
    return {
      ok: false,
      message:
        axes.length === 0
          ? 'a matrix needs at least one axis or include entry'
          : 'matrix has no cells left after exclude',
    };
  }
  if (cells.length > MAX_MATRIX_CELLS)
    return {
      ok: false,
      message: `matrix expands to ${cells.length} cells (at most ${MAX_MATRIX_CELLS}, as on GitHub)`,
    };
  return { ok: true, cells };
}

/** Every key the cells of `matrix` may have: what `matrix.KEY` may name. */
export function matrixKeys(matrix: Matrix): string[] {
  return [...new Set([...Object.keys(matrix.axes), ...matrix.include.flatMap((e) => Object.keys(e))])];
}

function matches(cell: MatrixCell, partial: MatrixCell): boolean {
  return Object.entries(partial).every(([k, v]) => Object.hasOwn(cell, k) && cell[k] === v);
}

function ordered(cell: MatrixCell, order: string[]): MatrixCell {
  return Object.fromEntries(order.filter((k) => Object.hasOwn(cell, k)).map((k) => [k, cell[k]!]));
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
    const next =
      value !== undefined
        ? { text: String(value) }
        : 'expr' in part
          ? { expr: substituteMatrixExpr(part.expr, cell) }
          : part;
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
export function instantiateStep(step: Step, own: MatrixCell): Step {
  if (!step.matrix) return step;
  // A key only some cells have (from `include`) is empty in the others, as on GitHub.
  const cell: MatrixCell = { ...Object.fromEntries(matrixKeys(step.matrix).map((k) => [k, ''])), ...own };
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
    case 'rollout':
      // A rollout step has no matrix (build.ts refuses one).
      return step;
  }
}
