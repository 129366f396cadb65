// Bundles the CLI once per test run, so that the hundreds of `sci` processes the end-to-end tests start
// load plain JavaScript instead of transforming TypeScript through tsx each time (about 3 times less CPU
// per process). The product still runs through bin/sci.js; test/cli/help.test.ts keeps running that.
import { readFile, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');

/**
 * Writes the bundle to `dir` and returns the file to run with node. Packages stay external (resolved
 * from the repository's node_modules through a link), and every `import.meta.url` keeps naming its
 * source file, so files found next to the sources (package.json, the dashboard's client) are the same.
 */
export async function bundleCli(dir) {
  const out = join(dir, 'cli');
  await build({
    stdin: {
      contents: "import { main } from './src/cli/main.ts';\nprocess.exitCode = await main(process.argv.slice(2));\n",
      resolveDir: root,
      sourcefile: 'sci.ts',
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
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return join(out, 'sci.mjs');
}
