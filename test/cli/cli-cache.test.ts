/**
 * bin/sci.js runs a cached bundle of the CLI (scripts/cli-cache.mjs): made once, used as long as the files
 * it was made from are unchanged, made again when one of them changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

const { cachedCli } = (await import(pathToFileURL(join(ROOT, 'scripts/cli-cache.mjs')).href)) as {
  cachedCli(cacheDir?: string): Promise<string>;
};

interface Manifest {
  bundle: string;
  inputs: Record<string, string>;
}

test('the bundle is made once, reused while its sources are unchanged, and made again when one changed', async (t) => {
  const cache = mkdtempSync(join(tmpdir(), 'sci-cli-cache-'));
  t.after(() => rmSync(cache, { recursive: true, force: true }));
  const manifestFile = join(cache, 'manifest.json');

  const first = await cachedCli(cache);
  assert.ok(existsSync(first));
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  assert.ok(first.startsWith(join(cache, manifest.bundle)));
  // the sources the bundle was made from, and what shapes it without being in it
  for (const file of ['src/cli/main.ts', 'local/engine/engine.ts', 'scripts/bundle-cli.mjs', 'tsconfig.json'])
    assert.ok(manifest.inputs[file], `${file} is recorded`);

  assert.equal(await cachedCli(cache), first, 'unchanged sources: the same bundle');

  // a source whose size or modification time differs from the recorded one
  writeFileSync(
    manifestFile,
    JSON.stringify({ ...manifest, inputs: { ...manifest.inputs, 'src/cli/main.ts': '0:0' } }),
  );
  const second = await cachedCli(cache);
  assert.notEqual(second, first, 'a changed source: a new bundle');
  assert.equal(
    (JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest).inputs['src/cli/main.ts'],
    manifest.inputs['src/cli/main.ts'],
  );

  // the bundle is the CLI: package.json read next to the sources, packages resolved from the repository's
  const version = spawnSync(process.execPath, [second, '--version'], { encoding: 'utf8' });
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(version.stdout, `sci ${pkg.version}\n`, version.stderr);
  const schema = spawnSync(process.execPath, [second, 'schema'], { encoding: 'utf8' });
  assert.equal(schema.status, 0, schema.stderr);
  assert.ok((JSON.parse(schema.stdout) as { $schema?: string }).$schema);
});
