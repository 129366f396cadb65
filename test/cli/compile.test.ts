/** `sci compile` through the real CLI: the ASL on stdout or in --out, diagnostics and exit 1. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCI } from '../sci-cli.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

function sci(cwd: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [SCI, ...args],
      { encoding: 'utf8', cwd, maxBuffer: 64 << 20 },
      (_e, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
    child.stdin?.end(); // an empty stdin, as spawnSync gives
  });
}

// Each test starts its own `sci` processes in a directory of its own: they share nothing, and run at once.
describe('sci compile', { concurrency: true }, () => {
  test('prints the same ASL as the golden file', async () => {
    const r = await sci(ROOT, 'compile', 'examples/nightly.yml');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, readFileSync(join(ROOT, 'test/golden/nightly.asl.json'), 'utf8'));
  });

  test('--out writes the definition to a file', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sci-compile-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const r = await sci(ROOT, 'compile', 'examples/ci.yml', '--out', join(dir, 'ci.json'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(
      readFileSync(join(dir, 'ci.json'), 'utf8'),
      readFileSync(join(ROOT, 'test/golden/ci.asl.json'), 'utf8'),
    );
  });

  test('an invalid pipeline: file:line:col diagnostics and exit 1, no stack', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sci-compile-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, 'bad.yml'),
      'steps:\n  a:\n    run: echo\n    needs: [nope]\n  b: { run: x, timeout: 3x }\n',
    );
    const r = await sci(dir, 'compile', 'bad.yml');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0]!, /^bad\.yml:4:\d+: .*nope/);
    assert.match(lines[1]!, /^bad\.yml:5:\d+: /);
    assert.ok(!r.stderr.includes('    at '), 'no stack trace');
  });

  test('usage mistakes exit 2', async () => {
    const [none, missing] = await Promise.all([sci(ROOT, 'compile'), sci(ROOT, 'compile', 'no/such.yml')]);
    assert.equal(none.code, 2);
    assert.equal(missing.code, 2);
  });

  test('a device, a directory or a file over the size limit: a clear error, never a hang or a stack', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sci-compile-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'big.yml'), `steps:\n  a: { run: x }\n# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    const [zero, directory, big] = await Promise.all([
      sci(dir, 'compile', '/dev/zero'),
      sci(dir, 'compile', dir),
      sci(dir, 'compile', 'big.yml'),
    ]);
    assert.equal(zero.code, 2);
    assert.match(zero.stderr, /\/dev\/zero is not a regular file/);
    assert.equal(directory.code, 2);
    assert.match(directory.stderr, /is not a regular file/);
    assert.equal(big.code, 1);
    assert.match(big.stderr, /^big\.yml:3:\d+: pipeline file larger than 256 KB$/m);
    assert.doesNotMatch(big.stderr, /\n\s+at /);
  });
});
