/** asl-validator, strict (paths and ARNs checked), for tests. */
import assert from 'node:assert/strict';
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
ajv.default = function SharedAjv(opts: { schemas?: object[] }) {
  const key = opts.schemas?.[0];
  if (!key) return new Ajv(opts);
  const first = built.get(key);
  if (!first) {
    const instance = new Ajv(opts);
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

/** Validates a copy: asl-validator annotates its input. */
export function assertValidAsl(json: string): void {
  const result = validator(JSON.parse(json), { checkPaths: true, checkArn: true });
  assert.ok(result.isValid, result.errorsText('\n'));
}
