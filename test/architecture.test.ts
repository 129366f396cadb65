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
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => m[1] as string,
  );
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
    .flatMap((file) => imports(file).filter((spec) => spec.startsWith('@aws-sdk/')).map((spec) => `${file} imports ${spec}`));
  assert.deepEqual(offenders, []);
});
