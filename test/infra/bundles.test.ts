/**
 * Every Lambda entry of architecture.md exists and bundles with the exact esbuild options the
 * stack deploys with; the bundle loads on Node and exports `handler`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { BUNDLING, FUNCTION_NAMES, PROJECT_ROOT, entryPath } from '../../infra/constructs/sci-function.ts';

const outDir = mkdtempSync(join(tmpdir(), 'sci-bundles-'));
test.after(() => rmSync(outDir, { recursive: true, force: true }));

test('bundling never falls back to Docker', () => {
  assert.equal(BUNDLING.forceDockerBundling, false);
  // CDK bundles locally only when it finds esbuild this way; otherwise it would try Docker.
  assert.ok(existsSync(join(PROJECT_ROOT, 'node_modules', 'esbuild', 'package.json')));
});

for (const name of FUNCTION_NAMES) {
  test(`functions/${name}.ts bundles and exports handler`, async () => {
    const entry = entryPath(name);
    assert.ok(existsSync(entry), `missing Lambda entry ${entry} (docs/architecture.md, "Lambda functions")`);
    const outfile = join(outDir, name, 'index.mjs');
    const result = await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      target: BUNDLING.target,
      format: 'esm',
      minify: BUNDLING.minify,
      sourcemap: BUNDLING.sourceMap,
      sourcesContent: BUNDLING.sourcesContent,
      mainFields: [...BUNDLING.mainFields],
      banner: { js: BUNDLING.banner },
      logLevel: 'silent',
    });
    assert.deepEqual(result.errors, []);
    assert.ok(statSync(`${outfile}.map`).size > 0, 'source map written');
    const mod = (await import(pathToFileURL(outfile).href)) as { handler?: unknown };
    assert.equal(typeof mod.handler, 'function');
  });
}
