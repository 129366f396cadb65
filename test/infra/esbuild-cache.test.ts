/**
 * test/infra/esbuild-cache.mjs, the esbuild the synthesis tests bundle the Lambdas with: a kept bundle is given back
 * while the files it was made from are unchanged, and never once one of them changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const CACHED_ESBUILD = fileURLToPath(new URL('./esbuild-cache.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CACHE = join(ROOT, 'node_modules', '.cache', 'sci-lambda-bundles');

test('a kept bundle is given back while its inputs are unchanged, and bundled again once one changed', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sci-esbuild-cache-'));
  const entry = join(dir, 'entry.js');
  const out = join(dir, 'out', 'index.js');
  const bundle = () => {
    execFileSync(process.execPath, [CACHED_ESBUILD, entry, '--bundle', '--platform=node', `--outfile=${out}`], {
      cwd: dir,
      stdio: 'pipe', // esbuild's summary
    });
    return readFileSync(out, 'utf8');
  };
  /** The cache's entry made from this test's file. */
  const kept = () =>
    readdirSync(CACHE)
      .map((name) => join(CACHE, name))
      .find((path) => {
        try {
          const { inputs } = JSON.parse(readFileSync(join(path, 'manifest.json'), 'utf8')) as { inputs: object };
          return relative(ROOT, entry) in inputs;
        } catch {
          return false;
        }
      });
  t.after(() => {
    const path = kept();
    if (path) rmSync(path, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });
  // written an hour ago: a file changed while (or just before) it was bundled is never taken as unchanged
  const hourAgo = new Date(Date.now() - 3_600_000);
  writeFileSync(entry, 'console.log("first");\n');
  utimesSync(entry, hourAgo, hourAgo);
  assert.match(bundle(), /first/);
  const path = kept();
  assert.ok(path, 'the bundle is kept');
  // the kept copy marked, to tell a bundle given back from one made again
  writeFileSync(join(path, 'index.js'), 'given back\n');
  assert.equal(bundle(), 'given back\n');
  writeFileSync(entry, 'console.log("second");\n');
  assert.match(bundle(), /second/, 'a changed input is bundled again');
});
