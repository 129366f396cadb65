// Test files that share a process. Each test file's process costs about 0.2–0.8 s of CPU before its first test
// (node itself ≈ 0.15 s, then the packages the file loads: the AWS SDK, zod, yaml, aws-cdk-lib...), and most of
// the unit test files take less than that to run their tests. The files of one directory that need nothing of
// their process of their own run in one process, SHARED_MAX at most (docs/testing.md, "The runner's own costs").
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Files per shared process, at most: a few seconds of tests, so that the two runners' ends stay close. */
const SHARED_MAX = 8;

/**
 * What makes a file need a process of its own, seen in its source: a `beforeEach` or `afterEach` at the top level
 * (it belongs to the process's root test, so it would run around each of the other files' tests too; a `before`
 * runs once, before the process's first test, and an `after` once, when its tests have ended, which for a set-up
 * and a clean-up is as good as around the file's own tests), a change to the process's state
 * (environment, working directory, exit code, process listeners, globals) and a mock that patches a class or
 * an object for the whole process (aws-sdk-client-mock's `mockClient`, node:test's `mock.method`...).
 */
const OWN_PROCESS = new RegExp(
  [
    /^(test\.)?(beforeEach|afterEach)\(/.source,
    /process\.env(\.\w+|\[[^\]]+\])\s*=[^=]/.source,
    /delete process\.env|Object\.assign\(process\.env/.source,
    /process\.(chdir|umask|exitCode|on|once)\b/.source,
    /globalThis\.\w+\s*=[^=]/.source,
    /mockClient\(|mock\.(method|getter|setter|timers|module)\b/.source,
  ].join('|'),
  'm',
);

/**
 * Groups `files` (repository paths, in run order) into the processes to start: a file alone (those for which
 * `alone` holds, and those OWN_PROCESS finds), or the entry of a shared process, written to `dir`, that imports
 * up to SHARED_MAX files of one directory (`bundled`: the file to run for each). The files that would be the only
 * one of their directory's group share a process with each other, SHARED_MAX at most. Returns the processes in
 * order (a shared one takes the place of its first file): the entry to give node's test runner (one for a file
 * alone too, so that the entries' paths sort in this order) and the files it runs.
 */
export function shareProcesses(files, bundled, dir, alone) {
  const groups = new Map();
  const shareable = new Set();
  let units = [];
  for (const file of files) {
    if (alone(file) || OWN_PROCESS.test(readFileSync(file, 'utf8'))) {
      units.push([file]);
      continue;
    }
    let group = groups.get(dirname(file));
    if (!group || group.length === SHARED_MAX) {
      group = [];
      groups.set(dirname(file), group);
      shareable.add(group);
      units.push(group);
    }
    group.push(file);
  }
  // the groups of one file, gathered in order: the first takes the next ones, up to SHARED_MAX files
  let gathered;
  units = units.filter((unit) => {
    if (unit.length > 1 || !shareable.has(unit)) return true;
    if (gathered && gathered.length < SHARED_MAX) {
      gathered.push(unit[0]);
      return false;
    }
    gathered = unit;
    return true;
  });
  mkdirSync(dir, { recursive: true });
  // every process an entry of its own, numbered, numbers of one width: node 20's runner starts its files in the order
  // of their paths (where 10 would come before 2), so this order is the order they start in
  const width = String(units.length).length;
  return units.map((unit, i) => {
    const entry = join(dir, `${String(i).padStart(width, '0')}.mjs`);
    writeFileSync(entry, unit.map((f) => `import ${JSON.stringify(pathToFileURL(bundled.get(f)).href)};\n`).join(''));
    return { entry, files: unit };
  });
}
