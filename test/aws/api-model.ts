/**
 * A judge we did not write: the AWS API models shipped inside the installed `@aws-sdk/client-*`
 * packages. Each client exports its operations' input schemas (`<Shape>$`: member names, member
 * types, how many members are required) and its enums (`ComputeType` …); the enum a member takes
 * is named in the client's own type declarations (`computeTypeOverride?: ComputeType`).
 *
 * `validateInput` walks a value against an operation's input shape. It serves two callers:
 * Step Functions task Parameters (PascalCase member names; a `Name.$` key holds a path or an
 * intrinsic whose value is only known at run time, so it stands for "some value of that member")
 * and the SDK commands the Lambdas send (camelCase or PascalCase, as the service names them).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The clients whose models the judge reads, by the service name Step Functions uses. */
export const CLIENTS = {
  codebuild: '@aws-sdk/client-codebuild',
  dynamodb: '@aws-sdk/client-dynamodb',
  sfn: '@aws-sdk/client-sfn',
  sqs: '@aws-sdk/client-sqs',
  scheduler: '@aws-sdk/client-scheduler',
  secretsmanager: '@aws-sdk/client-secrets-manager',
  lambda: '@aws-sdk/client-lambda',
  cloudwatch: '@aws-sdk/client-cloudwatch',
  logs: '@aws-sdk/client-cloudwatch-logs',
  cloudformation: '@aws-sdk/client-cloudformation',
  elasticloadbalancingv2: '@aws-sdk/client-elastic-load-balancing-v2',
} as const;
export type Service = keyof typeof CLIENTS;

type Schema = unknown;
interface Loaded {
  exports: Record<string, unknown>;
  /** interface name → member name → enum values, from the client's `.d.ts`. */
  enums: Map<string, Map<string, string[]>>;
}

const loaded = new Map<Service, Loaded>();

function load(service: Service): Loaded {
  const known = loaded.get(service);
  if (known) return known;
  const pkg = CLIENTS[service];
  const exports = require(pkg) as Record<string, unknown>;
  const root = dirname(require.resolve(`${pkg}/package.json`));
  const dts = readFileSync(join(root, 'dist-types/models/models_0.d.ts'), 'utf8');
  const enums = new Map<string, Map<string, string[]>>();
  for (const m of dts.matchAll(/export interface (\w+) \{([\s\S]*?)\n\}/g)) {
    const members = new Map<string, string[]>();
    for (const line of m[2]!.matchAll(/^\s+(\w+)\??: (\w+)(?: \| undefined)?;$/gm)) {
      const values = exports[line[2]!];
      if (
        values &&
        typeof values === 'object' &&
        !Array.isArray(values) &&
        Object.values(values).every((v) => typeof v === 'string')
      ) {
        members.set(line[1]!, Object.values(values) as string[]);
      }
    }
    if (members.size > 0) enums.set(m[1]!, members);
  }
  const result = { exports, enums };
  loaded.set(service, result);
  return result;
}

/** The input shape of `operation` (`StartBuild`, `UpdateItem`, …) of `service`. */
export function inputShape(service: Service, operation: string): Schema {
  const shape = load(service).exports[`${operation}Input$`] ?? load(service).exports[`${operation}Request$`];
  if (!shape) throw new Error(`${CLIENTS[service]} has no input shape for ${operation}`);
  return shape;
}

const resolve = (s: Schema): Schema => (typeof s === 'function' ? (s as () => Schema)() : s);

/** A member schema is either a schema or `[schema, traits]`. */
function memberSchema(s: Schema): Schema {
  const r = resolve(s);
  return Array.isArray(r) && r.length === 2 ? resolve(r[0]) : r;
}

/** Simple types (the numbers smithy's schemas use), with list (64) and map (128) modifiers. */
function simpleKind(n: number): string {
  if (n & 64) return 'list';
  if (n & 128) return 'map';
  return (
    ({ 0: 'string', 1: 'number', 2: 'boolean', 15: 'document', 21: 'blob' } as Record<number, string>)[n] ??
    (n >= 4 && n <= 8 ? 'timestamp' : 'unknown')
  );
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'structure' : typeof value;
}

export interface ModelProblem {
  path: string;
  message: string;
}

export interface ValidateOptions {
  /** Keys as Step Functions writes them: PascalCase, and `Name.$` for a run-time value. */
  stepFunctions: boolean;
  /** Members that carry JSON in the model (a string) but that the integration also takes as an object. */
  jsonMembers?: string[];
}

/** Every problem of `value` against `schema`; [] when the model accepts it. */
export function validateInput(
  service: Service,
  schema: Schema,
  value: unknown,
  options: ValidateOptions,
  path = '$',
): ModelProblem[] {
  const s = resolve(schema);
  if (typeof s === 'number') return simple(s, value, path, options);
  if (!Array.isArray(s)) return [{ path, message: 'unknown schema' }];
  const [kind, , name] = s as [number, string, string];
  // a simple type with traits (`SensitiveData = [0, ns, name, traits, 0]`)
  if (kind === 0) return validateInput(service, s[4], value, options, path);
  if (kind === 1) {
    if (!Array.isArray(value)) return [{ path, message: `expected a list, got ${typeOf(value)}` }];
    return value.flatMap((v, i) => validateInput(service, memberSchema(s[4]), v, options, `${path}[${i}]`));
  }
  if (kind === 2) {
    if (typeOf(value) !== 'structure') return [{ path, message: `expected a map, got ${typeOf(value)}` }];
    return Object.entries(value as object).flatMap(([k, v]) =>
      k.endsWith('.$') && options.stepFunctions
        ? []
        : validateInput(service, memberSchema(s[5]), v, options, `${path}.${k}`),
    );
  }
  if (kind === 3 || kind === 4) return structure(service, s, name, value, options, path, kind === 4);
  return [{ path, message: `unknown schema kind ${kind}` }];
}

function simple(kind: number, value: unknown, path: string, options: ValidateOptions): ModelProblem[] {
  const expected = simpleKind(kind);
  const got = typeOf(value);
  if (expected === 'list') {
    if (got !== 'list') return [{ path, message: `expected a list, got ${got}` }];
    return (value as unknown[]).flatMap((v, i) => simple(kind & ~64, v, `${path}[${i}]`, options));
  }
  if (expected === 'map') {
    if (got !== 'structure') return [{ path, message: `expected a map, got ${got}` }];
    return Object.entries(value as object).flatMap(([k, v]) =>
      k.endsWith('.$') && options.stepFunctions ? [] : simple(kind & ~128, v, `${path}.${k}`, options),
    );
  }
  if (expected === 'document') return [];
  if (expected === 'blob')
    return got === 'string' || value instanceof Uint8Array ? [] : [{ path, message: `expected a blob, got ${got}` }];
  if (expected === 'timestamp')
    return got === 'string' || got === 'number' || value instanceof Date
      ? []
      : [{ path, message: `expected a timestamp, got ${got}` }];
  return got === expected ? [] : [{ path, message: `expected a ${expected}, got ${got}` }];
}

const pascal = (n: string): string => n.charAt(0).toUpperCase() + n.slice(1);

function structure(
  service: Service,
  s: unknown[],
  name: string,
  value: unknown,
  options: ValidateOptions,
  path: string,
  union: boolean,
): ModelProblem[] {
  if (typeOf(value) !== 'structure') return [{ path, message: `expected a ${name} structure, got ${typeOf(value)}` }];
  const names = s[4] as string[];
  const schemas = s[5] as Schema[];
  const required = union ? 0 : ((s[6] as number | undefined) ?? 0);
  const enums = load(service).enums.get(name);
  // the key as the caller may write it → the model's member index
  const byKey = new Map<string, number>();
  names.forEach((n, i) => {
    byKey.set(n, i);
    byKey.set(pascal(n), i);
  });
  const problems: ModelProblem[] = [];
  const present = new Set<number>();
  for (const [key, v] of Object.entries(value as object)) {
    const dynamic = options.stepFunctions && key.endsWith('.$');
    const bare = dynamic ? key.slice(0, -2) : key;
    const index = byKey.get(bare);
    if (index === undefined) {
      problems.push({
        path: `${path}.${bare}`,
        message: `${name} has no member ${bare} (members: ${names.map(pascal).join(', ')})`,
      });
      continue;
    }
    present.add(index);
    if (dynamic) {
      if (typeof v !== 'string')
        problems.push({ path: `${path}.${key}`, message: 'a .$ key takes a path or an intrinsic function (a string)' });
      continue;
    }
    const member = names[index]!;
    if (options.jsonMembers?.includes(`${name}.${member}`) && typeOf(v) === 'structure') continue;
    const allowed = enums?.get(member);
    if (allowed && typeof v === 'string' && !allowed.includes(v)) {
      problems.push({
        path: `${path}.${bare}`,
        message: `${v} is not one of ${name}.${member}'s values (${allowed.join(', ')})`,
      });
    }
    problems.push(...validateInput(service, memberSchema(schemas[index]), v, options, `${path}.${bare}`));
  }
  for (let i = 0; i < required; i++) {
    if (!present.has(i)) problems.push({ path, message: `${name} requires ${pascal(names[i]!)}` });
  }
  if (union && present.size !== 1)
    problems.push({ path, message: `${name} is a union: exactly one member, got ${present.size}` });
  return problems;
}

/** What `aws-sdk-client-mock` records for each call: the command sent. */
interface RecordedCall {
  args: [{ constructor: { name: string }; input: unknown }];
}

/**
 * Every command an `aws-sdk-client-mock` mock received, validated against its operation's input
 * shape (the same walk as the compiled Tasks, with the SDK's own member names): the inputs the
 * Lambdas send in tests are judged by the model, not by our expectations.
 */
export function sdkCallProblems(service: Service, mock: { calls(): unknown[] }): string[] {
  return (mock.calls() as RecordedCall[]).flatMap((call) => {
    const command = call.args[0];
    const operation = command.constructor.name.replace(/Command$/, '');
    return validateInput(service, inputShape(service, operation), command.input, { stepFunctions: false }).map(
      (p) => `${operation} ${p.path}: ${p.message}`,
    );
  });
}
