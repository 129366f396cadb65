/** asl-validator, strict (paths and ARNs checked), for tests. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

type Validate = (
  definition: unknown,
  opts?: { checkPaths: boolean; checkArn: boolean },
) => { isValid: boolean; errorsText: (sep?: string) => string };
type AjvClass = new (opts: { schemas?: object[] }) => object;

// asl-validator is CommonJS without type declarations.
const require = createRequire(import.meta.url);
const validatorPath = require.resolve('asl-validator');

/**
 * asl-validator builds a new Ajv, and so compiles its whole schema set again, on every call: most of the CPU of
 * the tests that validate hundreds of definitions. The first Ajv it builds is kept (per schema set): later calls
 * get it back with its setup calls (addFormat, addKeyword) ignored, as they would add the same pure checks again,
 * for the one set of options assertValidAsl uses. Every definition is still validated, by the same schemas.
 * asl-validator looks Ajv up through `.default` at each call, so replacing that is enough.
 */
const ajv = createRequire(validatorPath)('ajv') as { default: AjvClass };
const Ajv = ajv.default;
const SETUP = new Set<PropertyKey>(['addFormat', 'addKeyword', 'addVocabulary']);
const built = new WeakMap<object, object>();

type Format = (value: unknown) => boolean;
/**
 * A format check (asl-path-validator's parse of a path, an ARN's pattern) is a pure function of the string: each
 * verdict is kept, so a path that thousands of states repeat (`$.ctx.pk`) is parsed once per process, not once per
 * state (asl-path-validator's parser and its JSONPath queries over the parse were a fifth of asl-validator's CPU).
 */
function rememberVerdicts(check: Format): Format {
  const verdicts = new Map<string, boolean>();
  return (value) => {
    if (typeof value !== 'string') return check(value);
    let verdict = verdicts.get(value);
    if (verdict === undefined) {
      verdict = check(value);
      verdicts.set(value, verdict);
    }
    return verdict;
  };
}

ajv.default = function SharedAjv(opts: { schemas?: object[] }) {
  const key = opts.schemas?.[0];
  if (!key) return new Ajv(opts);
  const first = built.get(key);
  if (!first) {
    // Ajv's optimisation pass over the code it generates (the same checks, fewer statements) was ≈ 0.3 s of the
    // ≈ 0.7 s the schema set takes to compile, once per process; the checks run about as fast without it
    const instance = new Ajv({ ...opts, code: { optimize: false } } as typeof opts) as {
      addFormat: (name: string, format: unknown) => unknown;
    };
    const addFormat = instance.addFormat.bind(instance);
    instance.addFormat = (name, format) =>
      addFormat(name, typeof format === 'function' ? rememberVerdicts(format as Format) : format);
    built.set(key, instance);
    return instance;
  }
  const again: object = new Proxy(first, {
    get(target, name) {
      if (SETUP.has(name)) return () => again;
      const value = Reflect.get(target, name);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return again;
} as unknown as AjvClass;

const validator = require(validatorPath) as Validate;

/** Digests of the definitions found valid in this process: the verdict on the same bytes is the same. */
const valid = new Set<string>();

/** Validates a copy (asl-validator annotates its input), once per distinct definition. */
export function assertValidAsl(json: string): void {
  const digest = createHash('sha256').update(json).digest('base64');
  if (valid.has(digest)) return;
  const result = validator(JSON.parse(json), { checkPaths: true, checkArn: true });
  assert.ok(result.isValid, result.errorsText('\n'));
  valid.add(digest);
}
