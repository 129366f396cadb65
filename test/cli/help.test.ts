/** Every command answers `--help` (exit 0, its own usage line) and `sci --version` prints the package version. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The real CLI, for the paths a user types. */
function sci(...args: string[]) {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin/sci.js'), ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * `main` called for each argv in ONE child process (tsx starts once), with stdout and stderr captured per call;
 * the child prints the results as JSON. (Capturing in this process would break the test runner's own stdout.)
 */
function sciEach(argvs: string[][]): { code: number; stdout: string; stderr: string }[] {
  const script = `
    const { main } = await import(${JSON.stringify(join(ROOT, 'src/cli/main.ts'))});
    const write = process.stdout.write.bind(process.stdout);
    const results = [];
    for (const argv of ${JSON.stringify(argvs)}) {
      const out = [], err = [];
      process.stdout.write = (chunk) => out.push(String(chunk)) > 0;
      process.stderr.write = (chunk) => err.push(String(chunk)) > 0;
      const code = await main(argv);
      results.push({ code, stdout: out.join(''), stderr: err.join('') });
    }
    process.stdout.write = write;
    write(JSON.stringify(results));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as { code: number; stdout: string; stderr: string }[];
}

/** The command names as `sci --help` lists them, so a new command is covered without touching this file. */
function listedCommands(): string[] {
  const stdout = sciEach([['--help']])[0]?.stdout ?? '';
  const section = stdout.split('commands:\n')[1]?.split('\n\n')[0] ?? '';
  return section
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0]!)
    .filter(Boolean);
}

test('every listed command answers --help and -h with its own usage, exit 0, and runs nothing', () => {
  const commands = listedCommands();
  assert.ok(commands.length >= 10, `too few commands parsed: ${commands.join(', ')}`);
  const calls = commands.flatMap((name) => ['--help', '-h'].map((flag) => [name, flag]));
  sciEach(calls).forEach((result, i) => {
    const [name, flag] = calls[i]!;
    assert.equal(result.code, 0, `sci ${name} ${flag}: ${result.stderr}`);
    assert.match(result.stdout, new RegExp(`^usage: sci ${name}\\b`), `sci ${name} ${flag}`);
    assert.equal(result.stderr, '', `sci ${name} ${flag}`);
  });
});

test('--help after other arguments still asks for help; after -- it is an argument', () => {
  const [late, literal] = sciEach([
    ['run', 'ci', '--branch', 'main', '--help'],
    ['compile', '--', '--help'],
  ]);
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
