// Bundles the CLI (bin/sci.js keeps one in node_modules/.cache/sci-cli, scripts/cli-cache.mjs; the test runner
// makes one per run), so that a `sci` process loads plain JavaScript instead of transforming TypeScript
// through tsx each time (about 3 times less CPU per process). Its packages are bundled too, but for the few in
// EXTERNAL: Node's loader resolving, reading and lexing the AWS SDK's hundreds of CommonJS files cost a
// third of a `sci runs` (docs/benchmarks.md, "CPU per `sci run` and per local step").
import { readFile, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
/** The name esbuild gives the generated entry (no such file exists). */
const ENTRY_NAME = 'sci.ts';
/**
 * Packages left to node_modules: dynalite (its LevelDB is a native addon, and it is loaded only by the
 * process that serves the store) and esbuild (a native binary, for the dashboard's client).
 */
const EXTERNAL = ['dynalite', 'esbuild'];
/** A bundled CommonJS package calls `require` (a builtin, an external package): ESM has none of its own. */
const REQUIRE_BANNER =
  "import { createRequire as __sciCreateRequire } from 'node:module';\n" +
  'const require = __sciCreateRequire(import.meta.url);';

/**
 * Writes the bundle to `dir` and returns the file to run with node. The packages of EXTERNAL are resolved
 * from the repository's node_modules (through a link unless `dir` is inside the repository), and every
 * `import.meta.url` of our sources keeps naming its source file, so files found next to the sources
 * (package.json, the dashboard's client) are the same. `inputs` lists the repository's files the bundle
 * was made from (repository paths; the packages' files are left out: node_modules changes as a whole).
 */
export async function bundleCli(dir, { link = true } = {}) {
  const { entry } = await bundleCliWithInputs(dir, { link });
  return entry;
}

/** {@link bundleCli}, also returning the files the bundle was made from, relative to the repository. */
export async function bundleCliWithInputs(dir, { link = true } = {}) {
  const out = join(dir, 'cli');
  const result = await build({
    absWorkingDir: root,
    metafile: true,
    stdin: {
      contents: "import { main } from './src/cli/main.ts';\nprocess.exitCode = await main(process.argv.slice(2));\n",
      resolveDir: root,
      sourcefile: ENTRY_NAME,
      loader: 'ts',
    },
    bundle: true,
    splitting: true, // the commands stay lazily loaded, as in src/cli/main.ts
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    // the packages' ES module builds where they have one (the AWS SDK's dist-es), for tree shaking
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_BANNER },
    outdir: out,
    entryNames: 'sci',
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
    plugins: [
      {
        name: 'source-import-meta-url',
        setup(b) {
          b.onLoad({ filter: /\.ts$/ }, async ({ path }) => ({
            contents: (await readFile(path, 'utf8')).replaceAll(
              'import.meta.url',
              JSON.stringify(pathToFileURL(path).href),
            ),
            loader: 'ts',
          }));
        },
      },
    ],
  });
  if (link) await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const inputs = Object.keys(result.metafile.inputs).filter(
    (path) => path !== ENTRY_NAME && !path.split('/').includes('node_modules'),
  );
  return { entry: join(out, 'sci.mjs'), inputs };
}
