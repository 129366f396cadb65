/**
 * scripts/shared-processes.mjs: which test files share a process. The files of one directory that need nothing of
 * their process of their own share one; a file that changes the process's state, or that the runner keeps alone,
 * has its own; the files left as the only one of their directory's group share one with each other.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

interface Process {
  entry: string;
  files: string[];
}
const { shareProcesses } = (await import(pathToFileURL(join(ROOT, 'scripts/shared-processes.mjs')).href)) as {
  shareProcesses(
    files: string[],
    bundled: Map<string, string>,
    dir: string,
    alone: (file: string) => boolean,
  ): Process[];
};

const PLAIN = "import { test } from 'node:test';\ntest('t', () => {});\n";
/** A change to the process's environment, written so that this file's own source does not read as one. */
const ENV_CHANGE = ['process', 'env', "X = '1';\n"].join('.');

test('files share by directory; a file needing its own process is alone; single files share with each other', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sci-shared-processes-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const sources: Record<string, string> = {
    'a/one.test.ts': PLAIN,
    'a/two.test.ts': PLAIN,
    'b/env.test.ts': PLAIN + ENV_CHANGE,
    'b/only.test.ts': PLAIN,
    'c/long.test.ts': PLAIN,
    'c/only.test.ts': PLAIN,
    'd/each.test.ts': `${PLAIN}afterEach(() => {});\n`,
    'd/end.test.ts': `${PLAIN}after(() => {});\n`,
    'd/end2.test.ts': `${PLAIN}test.after(() => {});\n`,
    'd/start.test.ts': `${PLAIN}before(() => {});\n`,
    ...Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`s${i}/only.test.ts`, PLAIN])),
  };
  const files = Object.keys(sources).map((name) => join(root, name));
  for (const [name, text] of Object.entries(sources)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  const bundled = new Map(files.map((file) => [file, file.replace(/\.ts$/, '.mjs')]));
  const processes = shareProcesses(files, bundled, join(root, 'shared'), (file) => file.endsWith('long.test.ts'));

  const names = processes.map((p) => p.files.map((file) => file.slice(root.length + 1)));
  assert.deepEqual(names, [
    ['a/one.test.ts', 'a/two.test.ts'],
    ['b/env.test.ts'],
    // the single files, in order, SHARED_MAX (8) to a process
    ['b/only', 'c/only', 's0/only', 's1/only', 's2/only', 's3/only', 's4/only', 's5/only'].map((f) => `${f}.test.ts`),
    ['c/long.test.ts'],
    ['d/each.test.ts'],
    // a set-up before the process's first test and a clean-up after its last are as good as around the file's
    ['d/end.test.ts', 'd/end2.test.ts', 'd/start.test.ts'],
    ['s6/only.test.ts', 's7/only.test.ts'],
  ]);
  // each process's entry imports its files' bundles, in order (a file alone too: its entry's path gives its place)
  for (const process of processes) {
    const imported = [...readFileSync(process.entry, 'utf8').matchAll(/^import "(.+)";$/gm)].map((m) =>
      fileURLToPath(m[1]),
    );
    assert.deepEqual(
      imported,
      process.files.map((file) => bundled.get(file)),
    );
  }
  assert.deepEqual(
    processes.map((p) => p.entry),
    processes.map((p) => p.entry).sort(),
    'their paths sort in their order',
  );
});

test("the processes' entries sort by path in the order they are given (node 20's runner starts them so)", (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sci-shared-processes-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  // twelve directories of two files: twelve shared processes, numbered past 9
  const files = Array.from({ length: 12 }, (_, i) => [`d${i}/a.test.ts`, `d${i}/b.test.ts`])
    .flat()
    .map((name) => join(root, name));
  for (const file of files) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, PLAIN);
  }
  const bundled = new Map(files.map((file) => [file, file.replace(/\.ts$/, '.mjs')]));
  const entries = shareProcesses(files, bundled, join(root, 'shared'), () => false).map((p) => p.entry);
  assert.equal(entries.length, 12);
  assert.deepEqual([...entries].sort(), entries);
});
