// node --test reporter: the wall time and CPU time of each test process, written as JSON when the run ends; the
// runner prints them as one table (`timesTable`) over its two `node --test` runs (run-tests.mjs, the idle lane)
// and reports the cores from them (core-use.mjs). The runner names a file's own test after the file: it is
// dequeued when the file's process starts and completes when it ends. A file of the tests' bundle
// (SCI_TEST_BUNDLE, bundle-tests.mjs) is named by its source. Each file's start and end are in seconds from the
// runner's start (SCI_TEST_T0, its epoch ms).
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The CPU seconds (user + system) of this process's ended children (Linux: /proc/self/stat's cutime and
 * cstime, in clock ticks of 1/100 s). A file's process is reaped before its completion is reported, so the
 * growth since the last completion is that file's CPU, its own children's included (those it waited for).
 */
function childrenCpu() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

const name = (file) =>
  process.env.SCI_TEST_BUNDLE && file.startsWith(process.env.SCI_TEST_BUNDLE)
    ? relative(process.env.SCI_TEST_BUNDLE, file).replace(/\.mjs$/, '.ts')
    : relative(process.cwd(), file);
/** A shared process's entry (shared-processes.mjs) is named by the files it imports. */
const names = (file) =>
  file.startsWith(join(process.env.SCI_TEST_BUNDLE ?? '', 'shared/'))
    ? [...readFileSync(file, 'utf8').matchAll(/^import "(.+)";$/gm)].map((m) => name(fileURLToPath(m[1]))).join(' + ')
    : name(file);

/** Seconds from the runner's start. */
const now = () =>
  (performance.timeOrigin + performance.now() - Number(process.env.SCI_TEST_T0 ?? performance.timeOrigin)) / 1000;

export default async function* testTimes(source) {
  const started = new Map();
  const rows = [];
  let cpuBefore = childrenCpu();
  for await (const { type, data } of source) {
    if (!data?.file || data.name !== data.file) continue;
    if (type === 'test:dequeue') started.set(data.file, now());
    else if (type === 'test:complete' && started.has(data.file)) {
      const cpu = childrenCpu();
      const [start, end] = [started.get(data.file), now()];
      rows.push({ file: names(data.file), s: end - start, cpu: cpu - cpuBefore, start, end });
      cpuBefore = cpu;
    }
  }
  yield JSON.stringify(rows);
}

/** The rows of every run as a table, slowest first, then their sums; a row with `lane` set says which. */
export function timesTable(rows) {
  const sorted = rows.toSorted((a, b) => b.s - a.s || a.file.localeCompare(b.file));
  const sum = (key) => rows.reduce((total, r) => total + r[key], 0);
  const lines = ['\nper test process (a file, or the files that shared it), slowest first:\n   wall    CPU  (s)\n'];
  for (const { file, s, cpu, lane } of sorted)
    lines.push(`${s.toFixed(1).padStart(7)} ${cpu.toFixed(1).padStart(6)}  ${file}${lane ? `  (${lane})` : ''}\n`);
  lines.push(
    `${sum('s').toFixed(1).padStart(7)} ${sum('cpu').toFixed(1).padStart(6)}  sum of ${rows.length} processes\n`,
  );
  return lines.join('');
}
