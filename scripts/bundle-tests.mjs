// Bundles the test files once per run, so that each test file's process loads plain JavaScript instead of
// registering tsx and transforming the TypeScript it imports (about 0.7 s of CPU per process, docs/testing.md).
// One esbuild call, every file an entry point: the code they share is split into chunks, packages stay in
// node_modules (one copy of each, as from the sources, which module-identity tricks such as aws-sdk-client-mock
// rely on; a CommonJS-only package is required rather than imported, required-packages.mjs), and the import.meta
// of each source keeps naming it (source-paths.mjs). A test file run alone
// (`node --import tsx --test test/x.test.ts`) still runs from its source.
import { join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { requiredPackages } from './required-packages.mjs';
import { sourcePaths } from './source-paths.mjs';

const root = resolve(import.meta.dirname, '..');

/**
 * Writes the bundle of `files` (repository paths of .ts files) to `outdir`, with source maps, and returns the
 * file to run for each, by the same path below `outdir` (.mjs). A parent of `outdir` needs a node_modules link
 * to the repository's.
 */
export async function bundleTests(files, outdir) {
  await build({
    absWorkingDir: root,
    entryPoints: files,
    outbase: root,
    outdir,
    entryNames: '[dir]/[name]',
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins: [requiredPackages, sourcePaths],
  });
  return new Map(
    files.map((file) => [file, join(outdir, relative(root, resolve(root, file)).replace(/\.ts$/, '.mjs'))]),
  );
}
