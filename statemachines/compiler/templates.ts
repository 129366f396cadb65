/**
 * `${{ }}` templates in their three destinations: shell commands (event values become
 * `${SCI_*}` references, never the value: they are data, not code), ASL values
 * (`States.Format` over `$.run.*`) and literal text (matrix values only).
 */
import type { Json } from '../asl/types.ts';
import type { MatrixValue, Pipeline, Template } from '../pipeline/model.ts';
import { resolveContext, type RecordPaths } from './context.ts';

export interface TemplateScope {
  pipeline: Pipeline;
  matrix: Record<string, MatrixValue>;
  /** Where needed steps' records are, for `steps.X.outputs.Y`. */
  records?: RecordPaths;
  /** Collects the output variables a shell text refers to: env name → JSONPath of the value. */
  outputVars?: Map<string, string>;
}

/** A template's compiled form, or the message of the first part that cannot be compiled. */
export type Compiled<T> = { ok: true; value: T } | { ok: false; message: string };

function eachPart<T>(
  t: Template,
  scope: TemplateScope,
  text: (s: string) => T,
  literal: (v: MatrixValue) => T,
  path: (path: string, envVar: string) => T,
): Compiled<T[]> {
  const out: T[] = [];
  for (const part of t.parts) {
    if ('text' in part) {
      out.push(text(part.text));
      continue;
    }
    if (part.expr.kind !== 'context')
      return {
        ok: false,
        message: 'only a context value (like branch or matrix.node) can be interpolated with ${{ }}',
      };
    const v = resolveContext(part.expr, scope.pipeline, scope.matrix, scope.records);
    if (typeof v === 'string') return { ok: false, message: v };
    if (v.kind === 'path' && part.expr.path[0] === 'steps') scope.outputVars?.set(v.envVar, v.path);
    out.push(v.kind === 'literal' ? literal(v.value) : path(v.path, v.envVar));
  }
  return { ok: true, value: out };
}

/** Quotes a matrix value for bash only when it needs it. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_.,:/=+@%-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A shell command: event values as `${SCI_*}` references, matrix values inlined and quoted. */
export function shellTemplate(t: Template, scope: TemplateScope): Compiled<string> {
  const parts = eachPart(
    t,
    scope,
    (s) => s,
    (v) => shellQuote(String(v)),
    (_p, env) => `\${${env}}`,
  );
  return parts.ok ? { ok: true, value: parts.value.join('') } : parts;
}

/** Escapes literal text for a `States.Format` template (`'`, `{`, `}` and `\` are special). */
export function formatEscape(text: string): string {
  return text.replace(/[\\'{}]/g, (c) => `\\${c}`);
}

/**
 * An ASL value for a Parameters field `name`: `{ name: "text" }` when constant, else
 * `{ "name.$": "States.Format('…{}…', $.run.branch)" }`.
 */
export function aslTemplate(name: string, t: Template, scope: TemplateScope): Compiled<Record<string, Json>> {
  const args: string[] = [];
  const parts = eachPart<{ text: string | null }>(
    t,
    scope,
    (s) => ({ text: s }),
    (v) => ({ text: String(v) }),
    (path) => {
      args.push(path);
      return { text: null };
    },
  );
  if (!parts.ok) return parts;
  if (args.length === 0) return { ok: true, value: { [name]: parts.value.map((p) => p.text).join('') } };
  const fmt = parts.value.map((p) => (p.text === null ? '{}' : formatEscape(p.text))).join('');
  return { ok: true, value: { [`${name}.$`]: `States.Format('${fmt}', ${args.join(', ')})` } };
}

/** Buildspec text that is not a shell command (a cache key): event values as `${SCI_*}`, matrix values raw. */
export function envRefTemplate(t: Template, scope: TemplateScope): Compiled<string> {
  const parts = eachPart(
    t,
    scope,
    (s) => s,
    (v) => String(v),
    (_p, env) => `\${${env}}`,
  );
  return parts.ok ? { ok: true, value: parts.value.join('') } : parts;
}
