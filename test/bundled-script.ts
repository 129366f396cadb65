/**
 * A TypeScript script that a test starts as a child process (a store worker, a validation judge), as one plain ESM
 * file: node then runs it on ≈ 0.4–0.9 s of CPU less than through `--import tsx`, which registers its loader and
 * transforms every file the script imports at each start. Packages stay in node_modules (found through a link),
 * unless `withPackages`: then they are in the bundle too (see PACKAGES_LEFT_OUT).
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const NODE_MODULES = fileURLToPath(new URL('../node_modules', import.meta.url));

/**
 * Packages a bundle `withPackages` still loads from node_modules: dynalite and its LevelDB stack (a native addon,
 * and actions required by computed names, which the CLI's bundle rewrites: scripts/bundle-cli.mjs) and esbuild (a
 * native binary). The rest, the AWS SDK above all, is bundled: Node's loader resolving, reading and lexing its
 * hundreds of CommonJS files is most of what a process using the store spends before its first request.
 */
const PACKAGES_LEFT_OUT = ['dynalite', 'classic-level', 'level', 'abstract-level', 'esbuild'].flatMap((name) => [
  name,
  `${name}/*`,
]);

/** A bundled CommonJS package calls `require` (a builtin): an ES module has none of its own. */
const REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module';\n" +
  'const require = __createRequire(import.meta.url);';

const built = new Map<string, string>();

/** The bundle of `entry` (a .ts file's path), built once per test process and removed when it exits. */
export function bundledScript(entry: string, { withPackages = false }: { withPackages?: boolean } = {}): string {
  const key = `${withPackages}:${entry}`;
  const known = built.get(key);
  if (known) return known;
  const dir = mkdtempSync(join(tmpdir(), 'sci-test-script-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(NODE_MODULES, join(dir, 'node_modules'), 'dir');
  const file = join(dir, basename(entry).replace(/\.ts$/, '.mjs'));
  buildSync({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: file,
    logLevel: 'warning',
    ...(withPackages
      ? // the packages' ES module builds where they have one (the AWS SDK's dist-es), as in the CLI's bundle
        { mainFields: ['module', 'main'], banner: { js: REQUIRE_BANNER }, external: PACKAGES_LEFT_OUT }
      : { packages: 'external' as const }),
  });
  built.set(key, file);
  return file;
}
