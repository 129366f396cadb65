// node --test reporter: the wall time of each test file, slowest first, then their sum. The runner names a
// file's own test after the file: it is dequeued when the file's process starts and completes when it ends.
// A file of the tests' bundle (SCI_TEST_BUNDLE, bundle-tests.mjs) is named by its source.
import { relative } from 'node:path';

const name = (file) =>
  process.env.SCI_TEST_BUNDLE && file.startsWith(process.env.SCI_TEST_BUNDLE)
    ? relative(process.env.SCI_TEST_BUNDLE, file).replace(/\.mjs$/, '.ts')
    : relative(process.cwd(), file);

export default async function* testTimes(source) {
  const started = new Map();
  const rows = [];
  for await (const { type, data } of source) {
    if (!data?.file || data.name !== data.file) continue;
    if (type === 'test:dequeue') started.set(data.file, performance.now());
    else if (type === 'test:complete' && started.has(data.file))
      rows.push({
        file: name(data.file),
        s: (performance.now() - started.get(data.file)) / 1000,
      });
  }
  rows.sort((a, b) => b.s - a.s || a.file.localeCompare(b.file));
  yield '\nwall time per test file (s), slowest first:\n';
  for (const { file, s } of rows) yield `${s.toFixed(1).padStart(7)}  ${file}\n`;
  yield `${rows
    .reduce((sum, r) => sum + r.s, 0)
    .toFixed(1)
    .padStart(7)}  sum of ${rows.length} files\n`;
}
