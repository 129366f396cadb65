/**
 * Static rules of the expression language: which context paths exist and what the
 * functions accept. Only shapes Step Functions Choice rules can decide are allowed.
 */
import type { ContextRoot, Expr } from './model.ts';
import { ExpressionError } from './expression-lexer.ts';

/** Names of the functions an expression may call. */
export type CallName = Extract<Expr, { kind: 'call' }>['name'];

/** Arity of each function; the status functions only make sense in `if:`. */
export const FUNCTIONS: Record<CallName, number> = {
  startsWith: 2,
  matches: 2,
  success: 0,
  failure: 0,
  always: 0,
  cancelled: 0,
};
/** Functions about the outcome of needed steps, only meaningful in `if:`. */
export const STATUS_FUNCTIONS: ReadonlySet<string> = new Set(['success', 'failure', 'always', 'cancelled']);

/** Allowed sub-fields of each context root; `*` = any one name (checked against the file later). */
const CONTEXT_FIELDS: Record<ContextRoot, readonly string[]> = {
  event: [],
  branch: [],
  tag: [],
  sha: [],
  ref: [],
  repo: [],
  actor: [],
  pr: ['number', 'base', 'fork'],
  inputs: ['*'],
  matrix: ['*'],
  pipeline: ['id'],
  run: ['id'],
  steps: [],
};

/** Throws unless the path is a context: `branch`, `pr.number`, `inputs.NAME`, … */
export function checkContextPath(path: [ContextRoot, ...string[]], offset: number): void {
  const [root, ...rest] = path;
  if (root === 'steps') {
    if (rest.length === 3 && rest[1] === 'outputs') return;
    throw new ExpressionError(`'${path.join('.')}' is not a context (use steps.STEP.outputs.NAME)`, offset);
  }
  const fields = CONTEXT_FIELDS[root];
  const shape =
    fields.length === 0 ? root : fields[0] === '*' ? `${root}.NAME` : fields.map((f) => `${root}.${f}`).join(', ');
  if (fields.length === 0 && rest.length === 0) return;
  if (rest.length === 1 && (fields[0] === '*' || fields.includes(rest[0]!))) return;
  throw new ExpressionError(`'${path.join('.')}' is not a context (use ${shape})`, offset);
}

/** Choice rules compare a value with a constant pattern, so the pattern must be a literal string. */
export function checkCall(call: Extract<Expr, { kind: 'call' }>, offset: number): void {
  const arity = FUNCTIONS[call.name];
  if (call.args.length !== arity) {
    throw new ExpressionError(
      `${call.name}() takes ${arity === 0 ? 'no arguments' : `${arity} arguments`}, got ${call.args.length}`,
      offset,
    );
  }
  if (arity === 2) {
    const [subject, pattern] = call.args as [Expr, Expr];
    if (subject.kind !== 'context')
      throw new ExpressionError(`${call.name}(): the first argument must be a context like branch or tag`, offset);
    if (pattern.kind !== 'literal' || typeof pattern.value !== 'string') {
      throw new ExpressionError(`${call.name}(): the second argument must be a quoted string`, offset);
    }
  }
}
