// An esbuild plugin for the test bundle: a package that is CommonJS only (its `require` entry is the file node's
// `import` would load too) is loaded with `require`, not `import`. Node 20's ESM loader, importing CommonJS, lexes
// the source of each file the package requires for its export names (`cjs-module-lexer`): ≈ 0.2 s of CPU for an AWS
// SDK client, 0.6 s for aws-cdk-lib, once per test process. The same file is loaded either way (node's CommonJS
// cache, so aws-sdk-client-mock still patches the classes the code uses); esbuild's interop reads the exports.
// A package with an `import` condition, or whose entry is an ES module, stays imported.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A bare specifier's package name: `@scope/name` or `name`. */
const packageName = (spec) => spec.split('/', spec.startsWith('@') ? 2 : 1).join('/');

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Whether the nearest package.json above `file` says `"type": "module"`. */
function inModulePackage(file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const json = readJson(join(dir, 'package.json'));
    if (json) return json.type === 'module';
  }
  return false;
}

/** Whether `spec`, imported from a file in `resolveDir`, can be required instead and loads the same file. */
function commonJsOnly(spec, resolveDir) {
  let file;
  try {
    file = createRequire(join(resolveDir, 'index.js')).resolve(spec);
  } catch {
    return false;
  }
  const name = packageName(spec);
  const at = file.lastIndexOf(`/node_modules/${name}/`);
  if (at === -1) return false;
  const manifest = readJson(`${file.slice(0, at)}/node_modules/${name}/package.json`);
  if (!manifest || JSON.stringify(manifest.exports ?? {}).includes('"import"')) return false;
  if (file.endsWith('.cjs')) return true;
  return file.endsWith('.js') && !inModulePackage(file);
}

export const requiredPackages = {
  name: 'required-packages',
  setup(build) {
    const verdicts = new Map();
    build.onResolve({ filter: /^[^./]/ }, ({ path, kind, resolveDir }) => {
      if (kind !== 'import-statement' || path.startsWith('node:')) return undefined;
      const key = `${resolveDir}\0${path}`;
      if (!verdicts.has(key)) verdicts.set(key, commonJsOnly(path, resolveDir));
      return verdicts.get(key) ? { path, namespace: 'required-package', pluginData: resolveDir } : undefined;
    });
    // a CommonJS module of one line, which requires the package from the importer's directory (an ES module bundle
    // has no `require` of its own)
    build.onLoad({ filter: /.*/, namespace: 'required-package' }, ({ path, pluginData }) => ({
      contents: `module.exports = process.getBuiltinModule('node:module').createRequire(${JSON.stringify(
        join(pluginData, 'index.js'),
      )})(${JSON.stringify(path)});`,
      loader: 'js',
    }));
  },
};
