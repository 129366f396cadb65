// An esbuild plugin for bundles that run in place of the repository's sources (the CLI's, the tests'):
// each `import.meta.url`, `import.meta.dirname` and `import.meta.filename` in a repository file keeps naming
// that file, so whatever is found next to the sources (package.json, fixtures, golden files, the dashboard's
// client, child scripts) resolves as it does from the sources. Replaced as expressions, per file (a string
// that holds the words, such as a bundle banner, stays as it is), with the file's source map passed on.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transform } from 'esbuild';

const LOADERS = { ts: 'ts', mts: 'ts', js: 'js', mjs: 'js' };
const tsconfigRaw = await readFile(resolve(import.meta.dirname, '..', 'tsconfig.json'), 'utf8');

export const sourcePaths = {
  name: 'source-paths',
  setup(build) {
    build.onLoad({ filter: /\.(ts|mts|js|mjs)$/, namespace: 'file' }, async ({ path }) => {
      if (path.includes('/node_modules/')) return undefined;
      const source = await readFile(path, 'utf8');
      const loader = LOADERS[path.slice(path.lastIndexOf('.') + 1)];
      if (!source.includes('import.meta.')) return { contents: source, loader };
      const { code } = await transform(source, {
        loader,
        sourcefile: path,
        sourcemap: 'inline',
        tsconfigRaw,
        define: {
          'import.meta.url': JSON.stringify(pathToFileURL(path).href),
          'import.meta.dirname': JSON.stringify(dirname(path)),
          'import.meta.filename': JSON.stringify(path),
        },
      });
      return { contents: code, loader: 'js' };
    });
  },
};
