/**
 * bin/sci.js runs a cached bundle of the CLI (scripts/cli-cache.mjs): made once, used as long as the files
 * it was made from are unchanged, made again when one of them changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const CACHE = join(ROOT, 'node_modules/.cache/sci-cli');

const { cachedCli } = (await import(pathToFileURL(join(ROOT, 'scripts/cli-cache.mjs')).href)) as {
  cachedCli(cacheDir?: string): Promise<string>;
};

interface Manifest {
  bundle: string;
  inputs: Record<string, string>;
}

const readManifest = (cache: string) => JSON.parse(readFileSync(join(cache, 'manifest.json'), 'utf8')) as Manifest;

// One bundle made here, not two: the one made when missing is the checkout's own, which the test runner took at the
// run's start (SCI_TEST_CLI; on a clean clone it makes it) and which bin/sci.js runs. Its manifest, copied into a
// scratch cache, is checked against the tree as it is: reused while nothing changed, made again after a change.
test('the bundle is made once, reused while its sources are unchanged, and made again when one changed', async (t) => {
  // the checkout's bundle, as bin/sci.js asks for it (made here when this file runs alone on a fresh checkout)
  const made = await cachedCli();
  assert.ok(existsSync(made));
  const manifest = readManifest(CACHE);
  assert.equal(made, join(CACHE, manifest.bundle, 'cli', 'sci.mjs'));
  // the sources the bundle was made from, and what shapes it without being in it
  for (const file of ['src/cli/main.ts', 'local/engine/engine.ts', 'scripts/bundle-cli.mjs', 'tsconfig.json'])
    assert.ok(manifest.inputs[file], `${file} is recorded`);

  // a scratch cache holding the same manifest and (a link to) the same bundle
  const cache = mkdtempSync(join(tmpdir(), 'sci-cli-cache-'));
  t.after(() => rmSync(cache, { recursive: true, force: true }));
  writeFileSync(join(cache, 'manifest.json'), JSON.stringify(manifest));
  symlinkSync(join(CACHE, manifest.bundle), join(cache, manifest.bundle), 'dir');
  const first = join(cache, manifest.bundle, 'cli', 'sci.mjs');
  assert.equal(await cachedCli(cache), first, 'unchanged sources: the same bundle');

  // a source whose size or modification time differs from the recorded one
  writeFileSync(
    join(cache, 'manifest.json'),
    JSON.stringify({ ...manifest, inputs: { ...manifest.inputs, 'src/cli/main.ts': '0:0' } }),
  );
  const second = await cachedCli(cache);
  assert.notEqual(second, first, 'a changed source: a new bundle');
  assert.ok(second.startsWith(join(cache, readManifest(cache).bundle)));
  assert.equal(readManifest(cache).inputs['src/cli/main.ts'], manifest.inputs['src/cli/main.ts']);

  // the bundle is the CLI: package.json read next to the sources, packages resolved from the repository's
  const version = spawnSync(process.execPath, [second, '--version'], { encoding: 'utf8' });
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(version.stdout, `sci ${pkg.version}\n`, version.stderr);
  const schema = spawnSync(process.execPath, [second, 'schema'], { encoding: 'utf8' });
  assert.equal(schema.status, 0, schema.stderr);
  assert.ok((JSON.parse(schema.stdout) as { $schema?: string }).$schema);
});
