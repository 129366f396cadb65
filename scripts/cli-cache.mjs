// The CLI as bin/sci.js starts it: the bundle of scripts/bundle-cli.mjs, kept in node_modules/.cache/sci-cli
// and made again when a file it was made from changed (size or modification time), so that a `sci` process
// loads plain JavaScript instead of compiling the TypeScript sources through tsx (docs/benchmarks.md).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { stamp as stampOf, unchanged } from './file-stamps.mjs';

const root = resolve(import.meta.dirname, '..');
/**
 * Files that shape the bundle without being part of it. The packages bundled in it are stamped as a whole by
 * the lock file npm writes into node_modules at every install (`npm ci` included).
 */
const BUILD_FILES = [
  'scripts/bundle-cli.mjs',
  'scripts/source-paths.mjs',
  'tsconfig.json',
  'node_modules/.package-lock.json',
];
/** Where the CLI's sources are: stamped before a build, so that an edit during it is seen at the next start. */
const SOURCE_DIRS = ['src', 'local', 'statemachines'];
/** Bundles superseded this long ago are removed (a long-running `sci serve` may still load chunks of its own). */
const KEEP_OLD_MS = 24 * 3600_000;

const stamp = (file) => stampOf(root, file);

/** The entry of the recorded bundle when every file it was made from is unchanged. */
function current(cacheDir) {
  try {
    const manifest = JSON.parse(readFileSync(join(cacheDir, 'manifest.json'), 'utf8'));
    return unchanged(root, manifest.inputs) ? join(cacheDir, manifest.bundle, 'cli', 'sci.mjs') : undefined;
  } catch {
    return undefined;
  }
}

function removeOld(cacheDir, keep) {
  for (const name of readdirSync(cacheDir)) {
    const path = join(cacheDir, name);
    const old = name !== keep && !name.startsWith('manifest.json') && statSync(path).mtimeMs < Date.now() - KEEP_OLD_MS;
    if (old) rmSync(path, { recursive: true, force: true });
  }
}

/** The stamp of every source file (and build file), by repository path. */
function stampSources() {
  const files = SOURCE_DIRS.flatMap((dir) =>
    readdirSync(join(root, dir), { recursive: true })
      .filter((name) => name.endsWith('.ts'))
      .map((name) => join(dir, name)),
  );
  return new Map([...files, ...BUILD_FILES].map((file) => [file, stamp(file)]));
}

/**
 * The file to import to run the CLI: the cached bundle, made first when missing or out of date. The
 * sources are stamped before the build, so a file edited while it runs differs at the next start.
 */
export async function cachedCli(cacheDir = join(root, 'node_modules', '.cache', 'sci-cli')) {
  const found = current(cacheDir);
  if (found) return found;
  // first: where the cache cannot be made (a read-only node_modules), esbuild is never loaded
  mkdirSync(cacheDir, { recursive: true });
  const { bundleCliWithInputs } = await import('./bundle-cli.mjs');
  const before = stampSources();
  const bundle = `${Date.now().toString(36)}-${process.pid}`;
  // packages resolve from the repository's node_modules: a bundle outside the repository links to it
  const inside = !relative(root, cacheDir).startsWith('..') && !isAbsolute(relative(root, cacheDir));
  const { entry, inputs } = await bundleCliWithInputs(join(cacheDir, bundle), { link: !inside });
  const files = [...inputs, ...BUILD_FILES];
  const stamps = Object.fromEntries(files.map((file) => [file, before.get(file) ?? stamp(file)]));
  // written aside then renamed: a concurrent start reads the old manifest or the new one, never half of one
  const temp = join(cacheDir, `manifest.json.${process.pid}`);
  writeFileSync(temp, JSON.stringify({ bundle, inputs: stamps }));
  renameSync(temp, join(cacheDir, 'manifest.json'));
  try {
    removeOld(cacheDir, bundle);
  } catch {
    // another start is removing them too
  }
  return entry;
}
