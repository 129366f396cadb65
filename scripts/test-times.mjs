// node --test reporter: wall time of each test file, slowest first, then the sum. A file's time runs from
// its process being started (its first test:dequeue) to its last event, so it includes loading it.
export default async function* testTimes(source) {
  const files = new Map();
  for await (const event of source) {
    const file = event.data?.file;
    if (!file) continue;
    const now = performance.now();
    const seen = files.get(file);
    if (seen) seen.last = now;
    else if (event.type === 'test:dequeue') files.set(file, { first: now, last: now });
  }
  const rows = [...files]
    .map(([file, t]) => ({ file: file.replace(`${process.cwd()}/`, ''), seconds: (t.last - t.first) / 1000 }))
    .sort((a, b) => b.seconds - a.seconds || a.file.localeCompare(b.file));
  yield '\nwall time per test file (s), slowest first:\n';
  for (const { file, seconds } of rows) yield `${seconds.toFixed(1).padStart(7)}  ${file}\n`;
  yield `${rows
    .reduce((sum, r) => sum + r.seconds, 0)
    .toFixed(1)
    .padStart(7)}  sum of ${rows.length} files\n`;
}
