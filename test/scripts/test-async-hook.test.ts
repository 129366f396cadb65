/**
 * scripts/test-async-hook.mjs, preloaded by the test runner into every test process, keeps node:test's
 * per-promise async hook off. The tests a `describe` declares must still nest under it, and an error thrown
 * outside any promise chain of a test must still fail the file; with SCI_TEST_ASYNC_HOOK=1 node's own hook
 * names the test that caused it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PRELOAD = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '../../scripts/test-async-hook.mjs')).href;

/** Suites, hooks and tests nested in them, and a test that throws from a timer (an uncaught exception). */
const FIXTURE = `
import { after, before, describe, test } from 'node:test';
import { createHook } from 'node:async_hooks';
describe('outer', () => {
  before(() => console.log('# before outer'));
  after(() => console.log('# after outer'));
  test('inner one', async () => { await new Promise((resolve) => setTimeout(resolve, 5)); });
  describe('nested', () => { test('inner two', () => {}); });
});
test('throws from a timer', async () => {
  setTimeout(() => { throw new Error('thrown from a timer'); }, 1);
  await new Promise((resolve) => setTimeout(resolve, 200));
});
test('a hook made by a test still runs', () => {
  let seen = 0;
  const hook = createHook({ init() { seen++; } }).enable();
  Promise.resolve();
  hook.disable();
  if (seen === 0) throw new Error('the hook did not run');
});
`;

/** The suites' part of node:test's spec report, as nested lines (durations left out). */
const NESTED = ['▶ outer', '  ✔ inner one', '  ▶ nested', '    ✔ inner two', '  ✔ nested', '✔ outer'];

/**
 * Runs the fixture in a test runner of its own, with node:test's hook or without: either way the file fails (the
 * error thrown from a timer) and its suites nest as node reports them. Returns the spec report, whole and as lines.
 */
function runFixture(hookOn: boolean): { stdout: string; lines: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'sci-async-hook-'));
  try {
    const file = join(dir, 'fixture.test.mjs');
    writeFileSync(file, FIXTURE);
    const { status, stdout, stderr } = spawnSync(
      process.execPath,
      ['--import', PRELOAD, '--test', '--test-reporter=spec', file],
      {
        encoding: 'utf8',
        // a test runner of its own, not a child of this file's (node:test marks its children with NODE_TEST_CONTEXT)
        env: { ...process.env, NODE_TEST_CONTEXT: undefined, SCI_TEST_ASYNC_HOOK: hookOn ? '1' : '' },
      },
    );
    assert.equal(status, 1, stdout + stderr);
    const lines = stdout.split('\n').map((line) => line.replace(/ \([\d.]+ms\)$/, ''));
    assert.deepEqual(
      lines.filter((line) => NESTED.includes(line)),
      NESTED,
    );
    return { stdout, lines };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("without node:test's hook: suites nest as before, and an uncaught error fails the file at the top level", () => {
  const { stdout, lines } = runFixture(false);
  assert.ok(lines.includes('✔ a hook made by a test still runs'), stdout);
  assert.match(stdout, /A resource generated asynchronous activity after the test ended\. .*thrown from a timer/);
});

test("SCI_TEST_ASYNC_HOOK=1 keeps node:test's hook: the failure names its test", () => {
  const { stdout, lines } = runFixture(true);
  assert.ok(lines.includes('✖ throws from a timer'), stdout);
  assert.match(stdout, /thrown from a timer/);
  assert.doesNotMatch(stdout, /A resource generated asynchronous activity/);
});

test('scripts/run-tests.mjs preloads it into the test processes', {
  skip: !process.env.SCI_TEST_TMP && 'run directly, not by scripts/run-tests.mjs',
}, async () => {
  // the module's object, which node:test's harness reads (a named import is bound when the module is first loaded)
  const { createHook } = (await import('node:async_hooks')).default;
  const expected = process.env.SCI_TEST_ASYNC_HOOK ? 'createHook' : 'createHookOutsideTheHarness';
  assert.equal(createHook.name, expected);
});
