// `esbuild` as test/infra's synthesis with real bundling runs it (test/infra/synth.ts puts this first on PATH):
// the project's esbuild with CDK's arguments, its outputs kept in node_modules/.cache/sci-lambda-bundles and given
// back, byte for byte, to a later call with the same arguments while no file the bundle was made from changed (size
// or modification time, as scripts/cli-cache.mjs stamps the CLI's bundle). A clean clone (`.ci/run`) bundles for
// real; SCI_TEST_BUNDLE_CACHE=0 always does.
// SCI_TEST_BUNDLE_TOGETHER names the entries a synthesis will ask for one after the other (the six functions): the
// first call that must bundle makes every one of them whose kept bundle is not current, in ONE esbuild run with the
// same arguments (each entry to its own folder beside CDK's, so that its source map names the same paths), and keeps
// each as the call for that entry would have; the later calls are then given theirs back. esbuild parses the files
// the functions share (the AWS SDK) once: ≈ 4.4 s of CPU for the six instead of ≈ 10 s, the same bytes (compared).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, delimiter, dirname, extname, join, relative, resolve } from 'node:path';
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
 * The files esbuild read (its metafile's inputs for one output), the build files, and each package.json and
 * tsconfig.json it would have looked for above the repository's own inputs (present or not: one that appears changes
 * how files resolve).
 */
function inputsOf(readFiles) {
  const read = readFiles.map((input) => relative(root, resolve(process.cwd(), input)));
  const looked = new Set();
  for (const file of read.filter((f) => !f.startsWith('node_modules'))) {
    for (let dir = dirname(file); dir !== '.' && !looked.has(dir); dir = dirname(dir)) looked.add(dir);
  }
  const configs = [...looked].flatMap((dir) => [join(dir, 'package.json'), join(dir, 'tsconfig.json')]);
  return [...new Set([...read, ...configs, ...BUILD_FILES])];
}

function run(esbuildArgs) {
  const result = spawnSync(ESBUILD, esbuildArgs, { stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

if (!outfileArg || process.env.SCI_TEST_BUNDLE_CACHE === '0') process.exit(run(args));

const outfile = resolve(outfileArg.slice('--outfile='.length));
const outDir = dirname(outfile);
/** The one entry point of the call (esbuild's only positional argument), when there is exactly one. */
const positional = args.filter((a) => !a.startsWith('-'));
const entry = positional.length === 1 ? positional[0] : undefined;

/** The cache's folder for bundling `entryArg` with this call's other arguments into a folder as deep as `outDir`. */
function entryDirOf(entryArg) {
  // the source map names the sources relative to the output's folder: where that folder is belongs to the key
  const key = createHash('sha256')
    .update(
      JSON.stringify({
        args: args.map((a) => (a === outfileArg ? `--outfile=${basename(outfile)}` : a === entry ? entryArg : a)),
        cwd: process.cwd(),
        sources: relative(outDir, root),
        nodePath: process.env.NODE_PATH ?? '',
      }),
    )
    .digest('hex');
  return join(CACHE, key);
}

/** The kept outputs' names when they are still current, else undefined. */
function current(entryDir) {
  try {
    const manifest = JSON.parse(readFileSync(join(entryDir, 'manifest.json'), 'utf8'));
    return unchanged(root, manifest.inputs) ? manifest.outputs : undefined;
  } catch {
    return undefined; // none kept, or another call is replacing it
  }
}

/** Gives the kept outputs back when they are still current; false (bundle for real) on any doubt. */
function fromCache(entryDir) {
  const outputs = current(entryDir);
  if (!outputs) return false;
  try {
    mkdirSync(outDir, { recursive: true });
    for (const file of outputs) copyFileSync(join(entryDir, file), join(outDir, file));
    return true;
  } catch {
    return false; // another call is replacing the entry: esbuild writes every output again
  }
}

const ownEntryDir = entryDirOf(entry);
if (fromCache(ownEntryDir)) process.exit(0);

/**
 * Keeps the outputs of one entry (all in `dir`, made from `readFiles`) as the cache's `entryDir`, built in `scratch`
 * and put in place whole: a concurrent call reads the old entry or the new one, never half of one.
 */
function keep(entryDir, dir, outputs, readFiles, started, scratch) {
  if (outputs.length === 0 || outputs.some((output) => dirname(output) !== dir)) return;
  // a file changed since the build started may not be in the bundle as it is now: never found fresh
  const inputs = Object.fromEntries(
    inputsOf(readFiles).map((file) => {
      const stat = statSync(resolve(root, file), { throwIfNoEntry: false });
      return [file, stat && stat.mtimeMs >= started - 1000 ? 'changed-while-bundling' : stamp(file)];
    }),
  );
  const staged = mkdtempSync(join(scratch, 'entry-'));
  try {
    for (const output of outputs) copyFileSync(output, join(staged, basename(output)));
    writeFileSync(join(staged, 'manifest.json'), JSON.stringify({ outputs: outputs.map((o) => basename(o)), inputs }));
    rmSync(entryDir, { recursive: true, force: true });
    renameSync(staged, entryDir);
  } catch {
    // another call put its entry in place first: the bundle made here is written all the same
  }
}

/** The entries to bundle with this one: those SCI_TEST_BUNDLE_TOGETHER names whose kept bundle is not current. */
function companions() {
  if (!entry) return [];
  const named = (process.env.SCI_TEST_BUNDLE_TOGETHER ?? '').split(delimiter).filter(Boolean);
  if (!named.some((file) => resolve(file) === resolve(entry))) return [];
  return named.filter((file) => resolve(file) !== resolve(entry) && !current(entryDirOf(file)));
}

/**
 * Bundles this call's entry into `outDir` and each companion into a folder of its own beside it (as deep, so that
 * its source map names the same paths), in one esbuild run with this call's other arguments, and keeps each;
 * esbuild's exit status.
 */
function bundleAndKeep(scratch, others) {
  const metafilePath = join(scratch, 'meta.json');
  const started = Date.now();
  const parent = dirname(outDir);
  const dirs = [outDir, ...others.map(() => mkdtempSync(join(parent, 'sci-bundled-with-')))];
  const name = basename(outfile, extname(outfile));
  const ext = extname(outfile);
  const status = others.length
    ? run([
        ...args.filter((a) => a !== outfileArg && a !== entry),
        `--outdir=${parent}`,
        ...(ext === '.js' ? [] : [`--out-extension:.js=${ext}`]),
        ...[entry, ...others].map((file, i) => `${relative(parent, join(dirs[i], name))}=${file}`),
        `--metafile=${metafilePath}`,
      ])
    : run([...args, `--metafile=${metafilePath}`]);
  try {
    // a companion that does not bundle must not fail this entry: bundle it alone (the companion fails on its own call)
    if (status !== 0) return others.length ? bundleAndKeep(scratch, []) : status;
    const metafile = JSON.parse(readFileSync(metafilePath, 'utf8'));
    const outputs = Object.entries(metafile.outputs).map(([output, info]) => ({
      path: resolve(process.cwd(), output),
      read: Object.keys(info.inputs),
    }));
    dirs.forEach((dir, i) => {
      const own = outputs.filter((o) => o.path.startsWith(`${dir}/`));
      const entryDir = i === 0 ? ownEntryDir : entryDirOf(others[i - 1]);
      const readFiles = [...new Set(own.flatMap((o) => o.read))];
      keep(
        entryDir,
        dir,
        own.map((o) => o.path),
        readFiles,
        started,
        scratch,
      );
    });
    return 0;
  } finally {
    for (const dir of dirs.slice(1)) rmSync(dir, { recursive: true, force: true });
  }
}

let scratch;
try {
  mkdirSync(CACHE, { recursive: true });
  scratch = mkdtempSync(join(CACHE, 'building-'));
} catch {
  process.exit(run(args)); // a read-only node_modules: bundle without keeping it
}
let status;
try {
  status = bundleAndKeep(scratch, companions());
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(status);
