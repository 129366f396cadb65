// `esbuild` as test/infra's synthesis with real bundling runs it (test/infra/synth.ts puts this first on PATH):
// the project's esbuild with CDK's arguments, its outputs kept in node_modules/.cache/sci-lambda-bundles and given
// back, byte for byte, to a later call with the same arguments while no file the bundle was made from changed (size
// or modification time, as scripts/cli-cache.mjs stamps the CLI's bundle). A clean clone (`.ci/run`) bundles for
// real; SCI_TEST_BUNDLE_CACHE=0 always does.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { stamp as stampOf, unchanged } from '../../scripts/file-stamps.mjs';

const root = resolve(import.meta.dirname, '..', '..');
const ESBUILD = join(root, 'node_modules', '.bin', 'esbuild');
const CACHE = join(root, 'node_modules', '.cache', 'sci-lambda-bundles');
/** Shapes every bundle without being part of it: the installed packages (npm rewrites this file at every install). */
const BUILD_FILES = ['node_modules/.package-lock.json', 'package.json', 'tsconfig.json'];

const args = process.argv.slice(2);
const outfileArg = args.find((a) => a.startsWith('--outfile='));

const stamp = (file) => stampOf(root, file);

/**
 * The files esbuild read (its metafile), the build files, and each package.json and tsconfig.json it would have
 * looked for above the repository's own inputs (present or not: one that appears changes how files resolve).
 */
function inputsOf(metafile) {
  const read = Object.keys(metafile.inputs).map((input) => relative(root, resolve(process.cwd(), input)));
  const looked = new Set();
  for (const file of read.filter((f) => !f.startsWith('node_modules'))) {
    for (let dir = dirname(file); dir !== '.' && !looked.has(dir); dir = dirname(dir)) looked.add(dir);
  }
  const configs = [...looked].flatMap((dir) => [join(dir, 'package.json'), join(dir, 'tsconfig.json')]);
  return [...new Set([...read, ...configs, ...BUILD_FILES])];
}

function run(extra) {
  const result = spawnSync(ESBUILD, [...args, ...extra], { stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

if (!outfileArg || process.env.SCI_TEST_BUNDLE_CACHE === '0') process.exit(run([]));

const outDir = dirname(resolve(outfileArg.slice('--outfile='.length)));
// the source map names the sources relative to the output's folder: where that folder is belongs to the key
const key = createHash('sha256')
  .update(
    JSON.stringify({
      args: args.map((a) => (a === outfileArg ? `--outfile=${basename(outfileArg)}` : a)),
      cwd: process.cwd(),
      sources: relative(outDir, root),
      nodePath: process.env.NODE_PATH ?? '',
    }),
  )
  .digest('hex');
const entryDir = join(CACHE, key);
const manifestFile = join(entryDir, 'manifest.json');

/** Gives the kept outputs back when they are still current; false (bundle for real) on any doubt. */
function fromCache() {
  try {
    if (!existsSync(manifestFile)) return false;
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    if (!unchanged(root, manifest.inputs)) return false;
    mkdirSync(outDir, { recursive: true });
    for (const file of manifest.outputs) copyFileSync(join(entryDir, file), join(outDir, file));
    return true;
  } catch {
    return false; // another call is replacing the entry: esbuild writes every output again
  }
}

if (fromCache()) process.exit(0);

/** Bundles for real into `scratch`'s metafile and keeps the outputs as the cache's entry; esbuild's exit status. */
function bundleAndKeep(scratch) {
  const metafilePath = join(scratch, 'meta.json');
  const started = Date.now();
  const status = run([`--metafile=${metafilePath}`]);
  if (status !== 0) return status;
  const metafile = JSON.parse(readFileSync(metafilePath, 'utf8'));
  const outputs = Object.keys(metafile.outputs).map((output) => resolve(process.cwd(), output));
  if (outputs.some((output) => dirname(output) !== outDir)) return 0;
  // a file changed since the build started may not be in the bundle as it is now: never found fresh
  const inputs = Object.fromEntries(
    inputsOf(metafile).map((file) => {
      const stat = statSync(resolve(root, file), { throwIfNoEntry: false });
      return [file, stat && stat.mtimeMs >= started - 1000 ? 'changed-while-bundling' : stamp(file)];
    }),
  );
  const entry = join(scratch, 'entry');
  try {
    mkdirSync(entry);
    for (const output of outputs) copyFileSync(output, join(entry, basename(output)));
    writeFileSync(join(entry, 'manifest.json'), JSON.stringify({ outputs: outputs.map((o) => basename(o)), inputs }));
    // put in place whole: a concurrent call reads the old entry or the new one, never half of one
    rmSync(entryDir, { recursive: true, force: true });
    renameSync(entry, entryDir);
  } catch {
    // another call put its entry in place first: the bundle made here is written all the same
  }
  return 0;
}

let scratch;
try {
  mkdirSync(CACHE, { recursive: true });
  scratch = mkdtempSync(join(CACHE, 'building-'));
} catch {
  process.exit(run([])); // a read-only node_modules: bundle without keeping it
}
let status;
try {
  status = bundleAndKeep(scratch);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(status);
