/** asl-validator, strict (paths and ARNs checked), for tests. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

type Validate = (
  definition: unknown,
  opts?: { checkPaths: boolean; checkArn: boolean },
) => { isValid: boolean; errorsText: (sep?: string) => string };
type AjvOptions = { schemas?: object[]; code?: Record<string, unknown> };
type AjvClass = new (opts: AjvOptions) => object;
/** What asl-validator (and ajv-formats, which it runs on it) uses of an Ajv. */
interface Judge {
  opts: { code: Record<string, unknown> };
  errors?: unknown;
  addFormat(name: string, format: unknown): unknown;
  addKeyword(definition: unknown): unknown;
  validate(schema: string, data: unknown): boolean;
}
type SchemaCheck = ((data: unknown) => boolean) & { errors?: unknown };

// asl-validator is CommonJS without type declarations.
const require = createRequire(import.meta.url);
const validatorPath = require.resolve('asl-validator');
const judgeRequire = createRequire(validatorPath);

/**
 * asl-validator builds a new Ajv, and so compiles its whole schema set again, on every call: most of the CPU of
 * the tests that validate hundreds of definitions. The first Ajv it builds is kept (per schema set): later calls
 * get it back with its setup calls (addFormat, addKeyword) ignored, as they would add the same pure checks again,
 * for the one set of options assertValidAsl uses. Every definition is still validated, by the same schemas.
 * asl-validator looks Ajv up through `.default` at each call, so replacing that is enough.
 */
const ajv = judgeRequire('ajv') as { default: AjvClass; _: (code: TemplateStringsArray) => unknown };
const Ajv = ajv.default;
const standaloneCode = (judgeRequire('ajv/dist/standalone') as { default: (ajv: object, refs: object) => string })
  .default;
const SETUP = new Set<PropertyKey>(['addFormat', 'addKeyword', 'addVocabulary']);
const built = new WeakMap<object, object>();

/**
 * Compiling the schema set is ≈ 0.4 s of CPU, in each test process that validates ASL: the code Ajv generates for
 * it is kept (Ajv's standalone code, ≈ 0.5 MB) in node_modules/.cache, named by the versions of Ajv, ajv-formats and
 * asl-validator and by the schemas and options asl-validator gives Ajv, and a later process loads it (≈ 0.03 s)
 * instead. That code reads the format checks asl-validator adds (asl-path-validator's, the ARN pattern, ajv-formats')
 * from FORMATS, where every Ajv built here puts them.
 */
const CACHE = fileURLToPath(new URL('../../../node_modules/.cache/sci-asl-validator/', import.meta.url));
const FORMATS = '__sciAslValidatorFormats';
const formats: Record<string, unknown> = {};
(globalThis as Record<string, unknown>)[FORMATS] = formats;
/** How Ajv generates the code (`formats`: where that code finds the format checks). */
const CODE = { optimize: false, source: true, formats: `globalThis.${FORMATS}` };
/** The one schema asl-validator validates a definition against. */
const STATE_MACHINE = 'http://asl-validator.cloud/state-machine.json#';

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

const addedFormat = (name: string, format: unknown): unknown =>
  (formats[name] = typeof format === 'function' ? rememberVerdicts(format as Format) : format);

/** The file of the code compiled for `opts`. */
function compiledFile(opts: AjvOptions): string {
  const version = (name: string) => (judgeRequire(`${name}/package.json`) as { version: string }).version;
  const versions = [version('ajv'), version('ajv-formats'), version('asl-validator')];
  const digest = createHash('sha256')
    .update(JSON.stringify([versions, opts, CODE]))
    .digest('hex');
  return join(CACHE, `${digest.slice(0, 32)}.cjs`);
}

/** An Ajv made from the code an earlier process compiled to `file`, loaded once asl-validator has added its formats. */
function compiledJudge(file: string): Judge {
  let check: SchemaCheck | undefined;
  return {
    opts: { code: {} },
    errors: null,
    addFormat(name, format) {
      addedFormat(name, format);
      return this;
    },
    // ajv-formats' keywords (formatMinimum, …): their code is in the compiled code already
    addKeyword() {
      return this;
    },
    validate(schema, data) {
      assert.equal(schema, STATE_MACHINE, 'asl-validator validated against another schema: compile it too');
      check ??= (require(file) as { validate: SchemaCheck }).validate;
      const ok = check(data);
      this.errors = check.errors ?? null;
      return ok;
    },
  };
}

/**
 * An Ajv that compiles the schema set and, after its first validation, writes the code it compiled to `file`
 * (through a file of its own renamed into place, so that another process never reads half of it). Ajv's
 * optimisation pass over that code (the same checks, fewer statements) is left out: it was ≈ 0.3 s of the ≈ 0.7 s
 * the compilation took, and the checks run about as fast without it.
 */
function compilingJudge(opts: AjvOptions, file: string): Judge {
  const instance = new Ajv({
    ...opts,
    code: { ...CODE, formats: ajv._([CODE.formats] as unknown as TemplateStringsArray) },
  }) as Judge;
  const addFormat = instance.addFormat.bind(instance);
  instance.addFormat = (name, format) => addFormat(name, addedFormat(name, format));
  const validate = instance.validate.bind(instance);
  let kept = false;
  instance.validate = (schema, data) => {
    const ok = validate(schema, data);
    if (!kept && schema === STATE_MACHINE) {
      kept = true;
      const own = `${file}.${process.pid}`;
      try {
        mkdirSync(CACHE, { recursive: true });
        writeFileSync(own, standaloneCode(instance, { validate: STATE_MACHINE }));
        renameSync(own, file);
      } catch {
        // a cache not written (a full or read-only disk) leaves the next process to compile again
        rmSync(own, { force: true });
      }
    }
    return ok;
  };
  return instance;
}

function judgeFor(opts: AjvOptions): Judge {
  const file = compiledFile(opts);
  return existsSync(file) ? compiledJudge(file) : compilingJudge(opts, file);
}

ajv.default = function SharedAjv(opts: AjvOptions) {
  const key = opts.schemas?.[0];
  if (!key) return new Ajv(opts);
  const first = built.get(key);
  if (!first) {
    const judge = judgeFor(opts);
    built.set(key, judge);
    return judge;
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
