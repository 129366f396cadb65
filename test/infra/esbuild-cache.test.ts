/**
 * test/infra/esbuild-cache.mjs, the esbuild the synthesis tests bundle the Lambdas with: a kept bundle is given back
 * while the files it was made from are unchanged, and never once one of them changed; entries bundled together are
 * kept byte for byte as bundled one by one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const CACHED_ESBUILD = fileURLToPath(new URL('./esbuild-cache.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CACHE = join(ROOT, 'node_modules', '.cache', 'sci-lambda-bundles');
const ESBUILD = join(ROOT, 'node_modules', '.bin', 'esbuild');

/** The cache's entry made from `file` (one of its inputs). */
const keptFrom = (file: string) =>
  readdirSync(CACHE)
    .map((name) => join(CACHE, name))
    .find((path) => {
      try {
        const { inputs } = JSON.parse(readFileSync(join(path, 'manifest.json'), 'utf8')) as { inputs: object };
        return relative(ROOT, file) in inputs;
      } catch {
        return false;
      }
    });

/** Files written an hour ago: a file changed while (or just before) it was bundled is never taken as unchanged. */
function writeOld(dir: string, files: Record<string, string>): void {
  const hourAgo = new Date(Date.now() - 3_600_000);
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text);
    utimesSync(join(dir, name), hourAgo, hourAgo);
  }
}

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
  const kept = () => keptFrom(entry);
  t.after(() => {
    const path = kept();
    if (path) rmSync(path, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });
  writeOld(dir, { 'entry.js': 'console.log("first");\n' });
  assert.match(bundle(), /first/);
  const path = kept();
  assert.ok(path, 'the bundle is kept');
  // the kept copy marked, to tell a bundle given back from one made again
  writeFileSync(join(path, 'index.js'), 'given back\n');
  assert.equal(bundle(), 'given back\n');
  writeFileSync(entry, 'console.log("second");\n');
  assert.match(bundle(), /second/, 'a changed input is bundled again');
});

test('entries bundled together (SCI_TEST_BUNDLE_TOGETHER) are kept as each one bundled alone, and given back', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sci-esbuild-together-'));
  writeOld(dir, {
    'shared.js': 'export const shared = (x) => `shared ${x}`;\n',
    'a.js': 'import { shared } from "./shared.js";\nconsole.log(shared("a"));\n',
    'b.js': 'import { shared } from "./shared.js";\nexport const handler = () => shared("b");\n',
  });
  const [a, b] = [join(dir, 'a.js'), join(dir, 'b.js')];
  t.after(() => {
    for (const file of [a, b]) {
      const path = keptFrom(file);
      if (path) rmSync(path, { recursive: true, force: true });
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const flags = ['--bundle', '--platform=node', '--format=esm', '--minify', '--sourcemap', '--sources-content=false'];
  const env = { ...process.env, SCI_TEST_BUNDLE_TOGETHER: [a, b].join(delimiter) };
  // as CDK calls it: the entry, then each output to a folder of its own (all as deep)
  const cached = (entry: string, out: string) =>
    execFileSync(process.execPath, [CACHED_ESBUILD, entry, ...flags, `--outfile=${join(dir, out, 'index.mjs')}`], {
      cwd: dir,
      env,
      stdio: 'pipe',
    });
  cached(a, 'out-a');
  const keptB = keptFrom(b);
  assert.ok(keptB, "b's bundle is kept by a's call");
  execFileSync(ESBUILD, [b, ...flags, `--outfile=${join(dir, 'alone-b', 'index.mjs')}`], { cwd: dir, stdio: 'pipe' });
  for (const file of ['index.mjs', 'index.mjs.map']) {
    assert.equal(readFileSync(join(keptB, file), 'utf8'), readFileSync(join(dir, 'alone-b', file), 'utf8'), file);
  }
  assert.deepEqual(readdirSync(dir).sort(), ['a.js', 'alone-b', 'b.js', 'out-a', 'shared.js'], 'no folder left over');
  writeFileSync(join(keptB, 'index.mjs'), 'given back\n');
  cached(b, 'out-b');
  assert.equal(readFileSync(join(dir, 'out-b', 'index.mjs'), 'utf8'), 'given back\n');
});
