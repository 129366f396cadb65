/**
 * Where each expression context lives at run time: event values in the execution input
 * (`$.run.*`), matrix values in the file itself (inlined), and the `SCI_*` variable a
 * `${{ }}` in a shell command becomes.
 */
import type { Expr, MatrixValue, Pipeline } from '../pipeline/model.ts';

type ContextExpr = Extract<Expr, { kind: 'context' }>;

export type ContextValue =
  | { kind: 'literal'; value: MatrixValue }
  | { kind: 'path'; path: string; type: 'string' | 'number' | 'boolean'; envVar: string };

const SIMPLE: Record<string, { field: string; env: string }> = {
  event: { field: 'event', env: 'SCI_EVENT' },
  branch: { field: 'branch', env: 'SCI_BRANCH' },
  tag: { field: 'tag', env: 'SCI_TAG' },
  sha: { field: 'sha', env: 'SCI_SHA' },
  ref: { field: 'ref', env: 'SCI_REF' },
  repo: { field: 'repo', env: 'SCI_REPO' },
  actor: { field: 'actor', env: 'SCI_ACTOR' },
};

const PR: Record<string, { type: 'string' | 'number' | 'boolean'; env: string }> = {
  number: { type: 'number', env: 'SCI_PR_NUMBER' },
  base: { type: 'string', env: 'SCI_PR_BASE' },
  fork: { type: 'boolean', env: 'SCI_PR_FORK' },
};

/** `SCI_INPUT_<NAME>`: upper-cased, anything not alphanumeric becomes `_`. */
export function inputEnvName(name: string): string {
  return `SCI_INPUT_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** A JSONPath member step: `.name`, or `['na-me']` when the name is not an identifier. */
export function member(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `.${name}` : `['${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}

/** `SCI_STEPS_<STEP>_OUTPUTS_<NAME>`: the variable a `${{ steps.STEP.outputs.NAME }}` in `run` becomes. */
export function outputEnvName(step: string, name: string): string {
  const up = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return `SCI_STEPS_${up(step)}_OUTPUTS_${up(name)}`;
}

/** Where the record of step `name` (`{ status, chain, outputs }`) is, as seen here; undefined when not visible. */
export type RecordPaths = (name: string) => string | undefined;

/** Resolves a context reference; a string is an error message (unknown context or axis). */
export function resolveContext(
  expr: ContextExpr,
  pipeline: Pipeline,
  matrix: Record<string, MatrixValue>,
  records?: RecordPaths,
): ContextValue | string {
  const [root, ...rest] = expr.path;
  if (root === 'steps' && rest.length === 3) {
    const [step, , name] = rest as [string, string, string];
    const base = records?.(step);
    if (base === undefined) return `steps.${step}.outputs cannot be read here`;
    return { kind: 'path', path: `${base}.outputs${member(name)}`, type: 'string', envVar: outputEnvName(step, name) };
  }
  const name = rest.join('.');
  const simple = SIMPLE[root];
  if (simple && rest.length === 0)
    return { kind: 'path', path: `$.run.${simple.field}`, type: 'string', envVar: simple.env };
  if (root === 'pr' && rest.length === 1 && PR[name]) {
    return { kind: 'path', path: `$.run.pr.${name}`, type: PR[name].type, envVar: PR[name].env };
  }
  if (root === 'pipeline' && name === 'id')
    return { kind: 'path', path: '$.run.pipeline', type: 'string', envVar: 'SCI_PIPELINE' };
  if (root === 'run' && name === 'id') return { kind: 'path', path: '$.run.id', type: 'string', envVar: 'SCI_RUN_ID' };
  if (root === 'matrix' && rest.length === 1) {
    const value = matrix[name];
    return value === undefined ? `unknown matrix axis '${name}'` : { kind: 'literal', value };
  }
  if (root === 'inputs' && rest.length === 1) {
    const spec = pipeline.triggers.manual?.inputs[name];
    if (!spec) return `unknown input '${name}' (declare it under on.manual.inputs)`;
    const type = spec.type === 'choice' ? 'string' : spec.type;
    return { kind: 'path', path: `$.run.inputs${member(name)}`, type, envVar: inputEnvName(name) };
  }
  return `unknown context '${expr.path.join('.')}'`;
}
