/** Every command answers `--help` (exit 0, its own usage line) and `sci --version` prints the package version. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundledScript } from '../bundled-script.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The real CLI, for the paths a user types. */
function sci(...args: string[]) {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin/sci.js'), ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `main` called in ONE child process for the file (test/cli/help-calls.ts, as one plain ESM file: through
 * `--import tsx` it took ≈ 1 s of CPU more), with stdout and stderr captured per call: `sci --help`, then
 * `<command> --help` and `<command> -h` for each command it lists, then each of `extra`. (Capturing in this process
 * would break the test runner's own stdout.) Started when the file is loaded: the child's start is the file's longest
 * wait, and in a shared process it overlaps the other files' tests.
 */
function sciHelp(extra: string[][]): Promise<{ commands: string[]; each: Result[]; extra: Result[] }> {
  const child = spawn(
    process.execPath,
    [bundledScript(join(import.meta.dirname, 'help-calls.ts')), JSON.stringify(extra)],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(stdout));
      else reject(new Error(`the child exited ${code}: ${stderr}`));
    });
  });
}

const LATE_HELP = ['run', 'ci', '--branch', 'main', '--help'];
const LITERAL_HELP = ['compile', '--', '--help'];
const answers = sciHelp([LATE_HELP, LITERAL_HELP]);
// a failure is reported by the tests that await it
answers.catch(() => {});

test('every listed command answers --help and -h with its own usage, exit 0, and runs nothing', async () => {
  const { commands, each } = await answers;
  assert.ok(commands.length >= 10, `too few commands parsed: ${commands.join(', ')}`);
  const calls = commands.flatMap((name) => ['--help', '-h'].map((flag) => [name, flag]));
  assert.equal(each.length, calls.length);
  each.forEach((result, i) => {
    const [name, flag] = calls[i]!;
    assert.equal(result.code, 0, `sci ${name} ${flag}: ${result.stderr}`);
    assert.match(result.stdout, new RegExp(`^usage: sci ${name}\\b`), `sci ${name} ${flag}`);
    assert.equal(result.stderr, '', `sci ${name} ${flag}`);
  });
});

test('--help after other arguments still asks for help; after -- it is an argument', async () => {
  const [late, literal] = (await answers).extra;
  assert.equal(late?.code, 0);
  assert.notEqual(literal?.code, 0);
  assert.doesNotMatch(literal?.stdout ?? '', /^usage:/);
});

test('the real CLI: sci run --help, and sci --version prints the package version', () => {
  const help = sci('run', '--help');
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^usage: sci run /);
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.deepEqual(sci('--version'), { code: 0, stdout: `sci ${version}\n`, stderr: '' });
});

test('a reader that leaves early (sci schema | head -1) ends sci quietly: exit 141, no stack trace', async () => {
  const child = spawn(process.execPath, [join(ROOT, 'bin/sci.js'), 'schema'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy(); // the reader is gone before sci writes a byte
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((done) => child.on('close', done));
  assert.equal(stderr, '');
  assert.equal(code, 141);
});
