// The checks `npm test` runs besides the tests: package.json's `typecheck` and `lint` scripts, started by the
// runner (run-tests.mjs --checks) beside the test files instead of before them. They run at a lower CPU
// priority (nice 5), so they take first the cores the test files leave idle while they wait on their processes,
// and each runs its script through `sh` as npm would, without an npm process of its own (≈ 0.4 s of CPU each).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const CHECKS = ['typecheck', 'lint'];

/**
 * Starts the checks; the promise tells, once all ended, each one's name, whether it passed, its wall time and
 * its output (stdout and stderr as they came).
 */
export function startChecks() {
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const env = { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env.PATH}` };
  return Promise.all(
    CHECKS.map(
      (name) =>
        new Promise((done) => {
          const start = performance.now();
          const output = [];
          const child = spawn('nice', ['-n', '5', 'sh', '-c', scripts[name]], { cwd: root, env });
          child.stdout.on('data', (chunk) => output.push(chunk));
          child.stderr.on('data', (chunk) => output.push(chunk));
          child.on('error', (error) => output.push(Buffer.from(`${error.message}\n`)));
          child.on('close', (code) =>
            done({
              name,
              passed: code === 0,
              seconds: (performance.now() - start) / 1000,
              output: Buffer.concat(output).toString(),
            }),
          );
        }),
    ),
  );
}
