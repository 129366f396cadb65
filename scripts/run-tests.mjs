// Runs every test/**/*.test.ts with node's test runner (Node 20 has no --test globs).
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'fixtures' || name === 'golden' ? [] : find(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const filter = process.argv.slice(2);
const files = find('test').filter((f) => filter.length === 0 || filter.some((p) => f.includes(p))).sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// one scratch dir per run, shared by every test file (e.g. the container images built once per run)
const shared = mkdtempSync(join(tmpdir(), 'sci-test-'));
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env: { ...process.env, SCI_TEST_TMP: shared },
});
rmSync(shared, { recursive: true, force: true });
process.exit(result.status ?? 1);
