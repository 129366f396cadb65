/**
 * Manual-run inputs: raw values (strings from the CLI, JSON from the API or a calling
 * pipeline) checked and typed against the pipeline's declaration, defaults applied, so
 * the execution input always holds every declared input.
 */
import { fail, ok, type Diagnostic, type Result } from '../diagnostics.ts';
import type { InputSpec, Pipeline } from './model.ts';
import { didYouMean } from './suggest.ts';

/** A typed input value, as the execution input holds it. */
export type InputValue = string | number | boolean;

/** Value of an optional input that was neither given nor defaulted (the contract wants every field present). */
const EMPTY: Record<InputSpec['type'], InputValue> = { string: '', number: 0, boolean: false, choice: '' };

/**
 * Checks `given` against the pipeline's `on.manual.inputs`: unknown names, required inputs,
 * types (strings like `'true'` or `'3'` are converted). Returns every declared input.
 */
export function resolveInputs(pipeline: Pipeline, given: Record<string, unknown>): Result<Record<string, InputValue>> {
  const declared = pipeline.triggers.manual?.inputs ?? {};
  const names = Object.keys(declared);
  const diagnostics: Diagnostic[] = [];
  const problem = (name: string, message: string) =>
    diagnostics.push({ code: 'bad-input', message, path: ['inputs', name] });
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(declared, name))
      problem(name, `unknown input '${name}' for pipeline ${pipeline.id}${didYouMean(name, names)}`);
  }
  const values: Record<string, InputValue> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const raw = Object.hasOwn(given, name) ? given[name] : undefined;
    if (raw === undefined) {
      if (spec.default !== undefined) values[name] = spec.default;
      else if (spec.required) problem(name, `input '${name}' is required`);
      else values[name] = EMPTY[spec.type];
      continue;
    }
    const typed = typeInput(spec, raw);
    if (typeof typed === 'object') problem(name, `input '${name}' ${typed.error}, got '${String(raw)}'`);
    else values[name] = typed;
  }
  return diagnostics.length > 0 ? fail(diagnostics) : ok(values);
}

function typeInput(spec: InputSpec, raw: unknown): InputValue | { error: string } {
  switch (spec.type) {
    case 'boolean':
      if (raw === true || raw === 'true') return true;
      if (raw === false || raw === 'false') return false;
      return { error: 'must be true or false' };
    case 'number': {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && /^-?\d+(?:\.\d+)?$/.test(raw.trim())
            ? Number(raw)
            : NaN;
      return Number.isFinite(n) ? n : { error: 'must be a number' };
    }
    case 'choice':
      return typeof raw !== 'object' && spec.options.includes(String(raw))
        ? String(raw)
        : { error: `must be one of ${spec.options.join(', ')}` };
    default:
      return typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean'
        ? String(raw)
        : { error: 'must be a string' };
  }
}
