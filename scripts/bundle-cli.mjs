// Bundles the CLI once per test run, so that the hundreds of `sci` processes the end-to-end tests start
// load plain JavaScript instead of transforming TypeScript through tsx each time (about 3 times less CPU
// per process). The product still runs through bin/sci.js; test/cli/help.test.ts keeps running that.
import { symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { sourcePaths } from './source-paths.mjs';

const root = resolve(import.meta.dirname, '..');
/** The name esbuild gives the generated entry (no such file exists). */
const ENTRY_NAME = 'sci.ts';

/**
 * Writes the bundle to `dir` and returns the file to run with node. Packages stay external (resolved
 * from the repository's node_modules, through a link unless `dir` is inside the repository), and every
 * `import.meta.url` keeps naming its source file, so files found next to the sources (package.json, the
 * dashboard's client) are the same. `inputs` lists the files the bundle was made from (repository paths).
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
    packages: 'external',
    outdir: out,
    entryNames: 'sci',
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
    plugins: [sourcePaths],
  });
  if (link) await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const inputs = Object.keys(result.metafile.inputs).filter((path) => path !== ENTRY_NAME);
  return { entry: join(out, 'sci.mjs'), inputs };
}
