/**
 * The CPU a `sci` process costs (user + system, the processes it starts and waits for included: git, bash, cp,
 * unshare): a 1-step and a 5-step `sci run --json`, their difference per step, a `sci run` that starts nothing
 * (an unknown pipeline), and the short commands the end-to-end tests start most (`runs`, `show`, `logs`,
 * `--version`). CPU moves far less than wall time with the machine's load; each figure is the median of
 * BENCH_REPEAT (default 5) processes, interleaved command by command. `SCI_BENCH_CLI` names the CLI files to run
 * instead of `bin/sci.js`, separated by `:` (a bundle of an older commit and one of this one: a before/after, each
 * command run by each in turn, a column each).
 * Run: `node --import tsx bench/cpu.ts` (or `npm run bench -- cpu`). Prints markdown.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, median, pipelineYaml, repoWith, type Dag } from './local-runs.ts';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const CLIS = process.env.SCI_BENCH_CLI?.split(':') ?? [fileURLToPath(new URL('../bin/sci.js', import.meta.url))];
/** Linux's clock ticks per second (`getconf CLK_TCK`), the unit of /proc's times. */
const TICKS_PER_S = 100;

/** CPU of this process's reaped children so far, in ms (/proc/self/stat: cutime + cstime). */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields from the state on (field 3): cutime and cstime are fields 16 and 17
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_S;
}

function cpuOf(sci: string, args: string[], env: NodeJS.ProcessEnv, exitCode = 0): { cpuMs: number; stdout: string } {
  const before = childrenCpuMs();
  const r = spawnSync(process.execPath, [sci, ...args], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const cpuMs = childrenCpuMs() - before;
  if (r.status !== exitCode) throw new Error(`sci ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { cpuMs, stdout: r.stdout };
}

const chain = (n: number): Dag =>
  Array.from({ length: n }, (_, i) => ({ name: `s${i + 1}`, needs: i > 0 ? [`s${i}`] : [], command: 'echo hi' }));

const repo = repoWith({ one: chain(1), five: chain(5) });
const home = mkdtempSync(join(tmpdir(), 'sci-bench-cpu-home-'));
const env = { ...process.env, SCI_HOME: home, SCI_CONTAINER: 'none' };
const at = ['--repo', repo];
// a first run makes the home (the table, the store's reserve) and, through bin/sci.js, the CLI's bundle
const runs = CLIS.map(
  (sci) => JSON.parse(cpuOf(sci, ['run', 'one', ...at, '--json'], env).stdout.trim()) as { id: string },
);
const first = runs[0] as { id: string };

const ONE = '`sci run` 1 step (`echo hi`)';
const FIVE = '`sci run` 5-step chain';
const commands: Array<[string, string[], number?]> = [
  ['`sci --version`', ['--version']],
  ['`sci runs`', ['runs']],
  ['`sci show RUN`', ['show', first.id]],
  ['`sci logs RUN s1`', ['logs', first.id, 's1']],
  ['`sci run nope` (no such pipeline: exit 2)', ['run', 'nope', ...at], 2],
  [ONE, ['run', 'one', ...at, '--json']],
  [FIVE, ['run', 'five', ...at, '--json']],
];
/** samples[cli][command label] */
const samples = CLIS.map(() => new Map<string, number[]>(commands.map(([label]) => [label, []])));
for (let i = 0; i < REPEAT; i++)
  for (const [label, args, exitCode] of commands)
    for (const [c, sci] of CLIS.entries()) samples[c]?.get(label)?.push(cpuOf(sci, args, env, exitCode).cpuMs);

const med = (c: number, label: string) => median(samples[c]?.get(label) ?? []);
console.log(
  `median of ${REPEAT}, CPU = user + sys with children; CLI ${CLIS.map((sci, c) => `${c + 1}: ${sci}`).join(', ')}\n`,
);
console.log(`| command | ${CLIS.map((_, c) => `CLI ${c + 1}: CPU (all)`).join(' | ')} |`);
console.log(`| --- | ${CLIS.map(() => '---:').join(' | ')} |`);
for (const [label] of commands)
  console.log(
    `| ${label} | ${CLIS.map((_, c) => `${fmt(med(c, label))} (${samples[c]?.get(label)?.map(Math.round).join(', ')})`).join(' | ')} |`,
  );
console.log(
  `| per step, (5-step − 1-step) / 4 | ${CLIS.map((_, c) => fmt((med(c, FIVE) - med(c, ONE)) / 4)).join(' | ')} |`,
);
console.log(`\npipelines: ${JSON.stringify(pipelineYaml(chain(1)))}, and the same chain of 5`);
rmSync(home, { recursive: true, force: true });
rmSync(join(repo, '..'), { recursive: true, force: true });
