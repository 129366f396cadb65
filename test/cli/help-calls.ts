/**
 * The child of test/cli/help.test.ts: `main` called once per argv, stdout and stderr captured per call; first
 * `sci --help`, whose command list (the names at the start of the lines under `commands:`, so a new command is
 * covered without touching the test) gives the calls `<command> --help` and `<command> -h`, then each argv of the
 * JSON array in argv[2]. Prints the results as JSON.
 */
import { main } from '../../src/cli/main.ts';

const write = process.stdout.write.bind(process.stdout);
const writeErr = process.stderr.write.bind(process.stderr);

async function call(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  process.stdout.write = (chunk: string | Uint8Array) => out.push(String(chunk)) > 0;
  process.stderr.write = (chunk: string | Uint8Array) => err.push(String(chunk)) > 0;
  const code = await main(argv);
  process.stdout.write = write;
  process.stderr.write = writeErr;
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const help = await call(['--help']);
const section = help.stdout.split('commands:\n')[1]?.split('\n\n')[0] ?? '';
const commands = section
  .split('\n')
  .map((line) => line.trim().split(/\s+/)[0])
  .filter(Boolean);
const each = [];
for (const name of commands) for (const flag of ['--help', '-h']) each.push(await call([name!, flag]));
const extra = [];
for (const argv of JSON.parse(process.argv[2] ?? '[]') as string[][]) extra.push(await call(argv));
write(JSON.stringify({ commands, each, extra }));
