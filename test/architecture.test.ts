/**
 * Pins the direction of dependencies described in docs/architecture.md: the pure core imports
 * nothing of ours and no SDK, and only adapters reach the AWS SDK.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g),
    ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1] as string);
}

const pureAllowed = new Set(['zod', 'yaml', 'picomatch', 'cron-parser']);

test('statemachines/ is pure: only zod, yaml, picomatch, cron-parser, node builtins and itself', () => {
  const offenders = sources('statemachines').flatMap((file) =>
    imports(file)
      .filter((spec) => {
        if (spec.startsWith('node:')) return !['node:crypto'].includes(spec);
        if (spec.startsWith('.')) return !join(file, '..', spec).startsWith('statemachines');
        return !pureAllowed.has(spec.split('/')[0] as string);
      })
      .map((spec) => `${file} imports ${spec}`),
  );
  assert.deepEqual(offenders, []);
});

test('the AWS SDK is imported only by adapters (src/aws, src/store, functions, local engine overrides)', () => {
  const adapterRoots = ['src/aws', 'src/store', 'functions', 'local'];
  const offenders = ['src', 'statemachines']
    .flatMap(sources)
    .filter((file) => !adapterRoots.some((root) => file.startsWith(root)))
    .flatMap((file) =>
      imports(file)
        .filter((spec) => spec.startsWith('@aws-sdk/'))
        .map((spec) => `${file} imports ${spec}`),
    );
  assert.deepEqual(offenders, []);
});

/**
 * The parts of the code and the parts each may import (docs/architecture.md). The composition roots
 * are `functions/` (AWS) and the CLI (`src/cli`, with `src/serve` for `sci serve` and
 * `local/runtime.ts` wiring the local adapters); everything else depends inwards, and no two parts
 * import each other.
 */
const ALLOWED: Record<string, string[]> = {
  statemachines: [],
  'src/core': ['statemachines'],
  'src/store': ['src/core', 'statemachines'],
  'src/github': ['src/core', 'statemachines'],
  'src/source': ['src/core', 'statemachines'],
  'src/aws': ['src/core', 'src/store', 'src/github', 'statemachines'],
  local: ['src/core', 'src/store', 'statemachines'],
  // the dashboard names AWS consoles (src/aws/names.ts), reads release records and serves a local session
  'src/dashboard': ['src/core', 'src/store', 'src/http', 'statemachines', 'local', 'src/aws'],
  // the HTTP edge of the core's failures (statuses and bodies), shared by the API Lambda, the dashboard and serve
  'src/http': ['src/core'],
  'src/serve': ['src/core', 'src/github', 'src/source', 'src/dashboard', 'src/http', 'local', 'statemachines'],
  'src/cli': [
    'src/core',
    'src/store',
    'src/aws',
    'src/github',
    'src/source',
    'src/dashboard',
    'src/serve',
    'src/http',
    'local',
    'statemachines',
  ],
  functions: ['src/core', 'src/store', 'src/github', 'src/aws', 'src/http', 'statemachines'],
  infra: ['src/core', 'src/aws', 'src/store', 'statemachines'],
};
const PARTS = Object.keys(ALLOWED).sort((a, b) => b.length - a.length);
const partOf = (path: string) => PARTS.find((p) => path === p || path.startsWith(`${p}/`));

test('each part imports only the parts it may (no two parts import each other)', () => {
  const offenders = Object.keys(ALLOWED).flatMap((root) =>
    sources(root).flatMap((file) =>
      imports(file)
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => ({ spec, to: partOf(join(file, '..', spec)) }))
        .filter(({ to }) => to !== undefined && to !== partOf(file) && !ALLOWED[partOf(file) as string]!.includes(to))
        .map(({ spec }) => `${file} imports ${spec}`),
    ),
  );
  assert.deepEqual(offenders, []);
});

test('the allowed directions have no cycle', () => {
  const seen = new Set<string>();
  const visit = (part: string, path: string[]): void => {
    assert.ok(!path.includes(part), `cycle: ${[...path, part].join(' → ')}`);
    if (seen.has(part)) return;
    for (const next of ALLOWED[part] ?? []) visit(next, [...path, part]);
    seen.add(part);
  };
  for (const part of Object.keys(ALLOWED)) visit(part, []);
});

/**
 * The core's error model (src/core/result.ts): use cases return failures by kind; only the edges
 * (functions/, src/http, the dashboard, `sci serve`, the CLI) turn them into HTTP statuses or exit codes.
 */
const HTTP_STATUS = [/\b(?:status|statusCode)\b[^;\n]{0,30}?\b[1-5]\d\d\b/, /\b[1-5]\d\d\s*\|\s*[1-5]\d\d\b/];
const httpStatuses = (text: string) =>
  text.split('\n').filter((line) => HTTP_STATUS.some((pattern) => pattern.test(line)));

test('the rule sees an HTTP status in a result, and not the numbers that are none', () => {
  assert.equal(httpStatuses("return { ok: false, status: 404, message: 'no run' };").length, 1);
  assert.equal(httpStatuses('return { ok: false, status: found ? 409 : 404, message };').length, 1);
  assert.equal(httpStatuses('type R = { ok: false; code: 404 | 409 };').length, 1);
  assert.equal(httpStatuses("if (answer.status === 401) return 'bad';").length, 1);
  assert.equal(httpStatuses('return `${detail.error}: ${detail.cause}`.slice(0, 500);').length, 0);
  assert.equal(httpStatuses("return conflict('ended', `run ${id} already ${run.status}`);").length, 0);
});

test('no HTTP status in src/core: the core answers with failure kinds', () => {
  const offenders = sources('src/core').flatMap((file) =>
    httpStatuses(readFileSync(file, 'utf8')).map((line) => `${file}: ${line.trim()}`),
  );
  assert.deepEqual(offenders, []);
});
