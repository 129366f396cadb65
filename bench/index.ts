/**
 * `npm run bench [-- compile|engine|local|cpu|webhook|containers|dashboard ...]`: runs each benchmark in its own process so one
 * suite's warm caches and garbage never colour another's numbers.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const suites = ['parse', 'compile', 'engine', 'local', 'cpu', 'store', 'webhook', 'containers', 'dashboard'] as const;
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(suites as readonly string[]).includes(w));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${suites.join(', ')}`);
  process.exit(2);
}

let failed = 0;
for (const suite of wanted.length > 0 ? wanted : suites) {
  console.log(`\n## ${suite}\n`);
  const file = fileURLToPath(new URL(`./${suite}.ts`, import.meta.url));
  const result = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  if (result.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
