// Bundles the CLI (bin/sci.js and the test runner keep one in node_modules/.cache/sci-cli, scripts/cli-cache.mjs),
// so that a `sci` process loads plain JavaScript instead of transforming TypeScript
// through tsx each time (about 3 times less CPU per process). Its packages are bundled too, but for the few in
// EXTERNAL: Node's loader resolving, reading and lexing the AWS SDK's hundreds of CommonJS files cost a
// third of a `sci runs` (docs/benchmarks.md, "CPU per `sci run` and per local step").
import { readFile, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { sourcePaths } from './source-paths.mjs';

const root = resolve(import.meta.dirname, '..');
/** The name esbuild gives the generated entry (no such file exists). */
const ENTRY_NAME = 'sci.ts';
/**
 * Packages left to node_modules: esbuild (a native binary, for the dashboard's client) and LevelDB's native
 * addon (`classic-level/binding.js` finds its prebuilt `.node` file next to itself). dynalite and the rest of its
 * LevelDB stack are bundled, in a chunk of their own that only the process serving the store loads: from
 * node_modules, its 90 CommonJS files took ≈ 100 ms of CPU to load, ≈ 50 ms bundled (docs/benchmarks.md).
 */
const EXTERNAL = ['esbuild', 'classic-level/binding.js'];
/** dynalite's LevelDB binding as its `classic-level` requires it (`./binding`), and as the bundle names it. */
const LEVEL_BINDING = {
  request: /^\.\/binding$/,
  from: /[/\\]node_modules[/\\]classic-level[/\\]/,
  external: 'classic-level/binding.js',
};
/**
 * dynalite requires its actions and their validations by computed names (`require('./actions/' + action)`):
 * esbuild bundles every file the pattern can name, by file name, so the name is given its extension.
 */
const DYNALITE_INDEX = /[/\\]node_modules[/\\]dynalite[/\\]index\.js$/;
const DYNALITE_COMPUTED_REQUIRE = /require\('\.\/(actions|validations)\/' \+ action\)/g;
/** A bundled CommonJS package calls `require` (a builtin, an external package): ESM has none of its own. */
const REQUIRE_BANNER =
  "import { createRequire as __sciCreateRequire } from 'node:module';\n" +
  'const require = __sciCreateRequire(import.meta.url);';

/**
 * Imports of aws-local-stepfunctions that a local run never uses: its validator (the engine passes
 * `noValidate`, the compiler's output being validated by the tests) and its AWS Lambda client (every Task
 * has a local handler). Bundled, they would be parsed and evaluated at every `sci run` (ajv alone is
 * 63 modules); in their place, each is loaded from node_modules (where the package resolves it) on first use.
 */
const LAZY_IN_LOCAL_SFN = {
  // Node hands an ES module importing CommonJS its module.exports as the default export
  'asl-validator': 'export default (...args) => load()(...args);',
  '@aws-sdk/client-lambda': [
    'export class LambdaClient { constructor(config) { return new (load().LambdaClient)(config); } }',
    'export class InvokeCommand { constructor(input) { return new (load().InvokeCommand)(input); } }',
  ].join('\n'),
  '@aws-sdk/credential-providers':
    'export const fromCognitoIdentityPool = (...args) => load().fromCognitoIdentityPool(...args);',
};

/**
 * zod's translations of its error messages (40 languages, 0.37 MB: a seventh of what `sci run` loads), which
 * `z.locales` re-exports: the CLI never sets a locale (zod's English default is imported on its own, and the
 * pipeline schema writes its own messages), so each `sci` process would only parse them. An empty module
 * stands in for their index.
 */
const ZOD_LOCALES = /^\.\.\/locales\/index\.js$/;

/**
 * cron-parser, with luxon under it (0.36 MB: a sixth of what `sci run` loads), checks the cron of an `on.schedule`
 * entry, which few pipelines have; every command that reads pipelines would parse it. In its place (for our
 * sources' imports), a module that requires it from node_modules when a cron is first checked.
 */
const LAZY_IN_SOURCES = {
  'cron-parser':
    'export const CronExpressionParser = { parse: (...args) => load().CronExpressionParser.parse(...args) };',
};

/**
 * A plugin (`name`) that puts its stub (`stubs[package]`) in place of each package of `stubs` that a file
 * `importedBy` accepts imports. The stub's `load()` requires the package from node_modules the first time it is
 * called: resolved from the bundle or, with `requireFrom`, from that package (where its importer resolves it).
 */
function lazyImports(name, stubs, importedBy, requireFrom) {
  const names = Object.keys(stubs).map((n) => n.replace(/[/.-]/g, '\\$&'));
  const base = requireFrom
    ? `createRequire(import.meta.url).resolve(${JSON.stringify(requireFrom)})`
    : 'import.meta.url';
  return {
    name,
    setup(b) {
      b.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, ({ path, importer }) =>
        importedBy(importer) ? { path, namespace: name } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: name }, ({ path }) => ({
        contents: [
          "import { createRequire } from 'node:module';",
          'let loaded;',
          `const load = () => (loaded ??= createRequire(${base})(${JSON.stringify(path)}));`,
          stubs[path],
        ].join('\n'),
        resolveDir: root,
        loader: 'js',
      }));
    },
  };
}

/**
 * Writes the bundle to `dir` and returns the file to run with node (`entry`). The packages of EXTERNAL are resolved
 * from the repository's node_modules (through a link unless `dir` is inside the repository), and every
 * `import.meta.url` of our sources keeps naming its source file, so files found next to the sources
 * (package.json, the dashboard's client) are the same. `inputs` lists the repository's files the bundle
 * was made from (repository paths; the packages' files are left out: node_modules changes as a whole).
 */
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
      lazyImports(
        'lazy-in-local-sfn',
        LAZY_IN_LOCAL_SFN,
        (importer) => importer.includes('/node_modules/aws-local-stepfunctions/'),
        'aws-local-stepfunctions',
      ),
      lazyImports('lazy-in-sources', LAZY_IN_SOURCES, (importer) => !importer.includes('/node_modules/')),
      {
        name: 'no-zod-locales',
        setup(b) {
          b.onResolve({ filter: ZOD_LOCALES }, ({ path, importer }) =>
            importer.includes('/node_modules/zod/') ? { path, namespace: 'no-zod-locales' } : undefined,
          );
          b.onLoad({ filter: /.*/, namespace: 'no-zod-locales' }, () => ({ contents: 'export {};', loader: 'js' }));
        },
      },
      {
        name: 'dynalite-in-bundle',
        setup(b) {
          b.onResolve({ filter: LEVEL_BINDING.request }, ({ importer }) =>
            LEVEL_BINDING.from.test(importer) ? { path: LEVEL_BINDING.external, external: true } : undefined,
          );
          b.onLoad({ filter: DYNALITE_INDEX }, async ({ path }) => {
            const source = await readFile(path, 'utf8');
            const contents = source.replace(DYNALITE_COMPUTED_REQUIRE, "require('./$1/' + action + '.js')");
            if (contents === source) throw new Error(`${path}: dynalite no longer requires its actions as expected`);
            return { contents, loader: 'js' };
          });
        },
      },
      sourcePaths,
    ],
  });
  if (link) await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  // files only: a plugin's virtual module (`lazy-in-local-sfn:…`) has no file to stamp at each start
  const inputs = Object.keys(result.metafile.inputs).filter(
    (path) => path !== ENTRY_NAME && !/^[\w-]+:/.test(path) && !path.split('/').includes('node_modules'),
  );
  return { entry: join(out, 'sci.mjs'), inputs };
}
