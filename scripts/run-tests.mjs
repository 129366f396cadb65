// Runs every test/**/*.test.ts with node's test runner (Node 20 has no --test globs).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';
import { bundleTests } from './bundle-tests.mjs';
import { startChecks } from './checks.mjs';
import { cachedCli } from './cli-cache.mjs';
import { coreReport, sampleCores } from './core-use.mjs';
import { shareProcesses } from './shared-processes.mjs';
import { IDLE_LANE, isLong, rank } from './test-lanes.mjs';
import { timesTable } from './test-times.mjs';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'fixtures' || name === 'golden' ? [] : find(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

/**
 * Two processes at a time on the 2 cores (each with its own temp dirs, ports and processes): three took as long on
 * a quiet machine, with more CPU. SCI_TEST_CONCURRENCY=N runs N (1: one at a time). docs/testing.md says what two
 * and three at a time gave. Node 20's runner starts the processes in the order of their entries' paths, whatever
 * order it is given them in (its `createTestFileList` sorts them), and its spec output keeps that order: every
 * process has an entry, `shared/<n>.mjs`, numbered in the order of its first file below (test-lanes.mjs `rank`;
 * docs/testing.md, "Files at once").
 */
const concurrency = [`--test-concurrency=${process.env.SCI_TEST_CONCURRENCY || 2}`];

// SCI_TEST_TIMES=1 adds the wall time of each file, slowest first (scripts/test-times.mjs), and how the run used the
// machine's cores (core-use.mjs); times are in seconds from the runner's start
const timed = Boolean(process.env.SCI_TEST_TIMES);
const cores = timed ? sampleCores() : undefined;
const seconds = () => performance.now() / 1000;
// `--checks` (npm test): the typecheck and Biome run beside the test files (checks.mjs), reported after them
const withChecks = process.argv[2] === '--checks';
const checksStart = seconds();
const checking = withChecks ? startChecks() : Promise.resolve([]);
const filter = process.argv.slice(withChecks ? 3 : 2);
// the idle lane (test-lanes.mjs) fills the cores the whole suite leaves idle; files asked for by name run as asked
// (SCI_TEST_IDLE_LANE=1 gives them the idle lane too, =0 takes it from the whole suite)
const idleLane =
  process.env.SCI_TEST_IDLE_LANE === '1' ||
  (filter.length === 0 && process.env.SCI_TEST_IDLE_LANE !== '0' && process.env.SCI_TEST_CONCURRENCY !== '1');
const files = find('test')
  .filter((f) => filter.length === 0 || filter.some((p) => f.includes(p)))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// one scratch dir per run, shared by every test file (e.g. the container images built once per run)
const shared = mkdtempSync(join(tmpdir(), 'sci-test-'));
const bundle = join(shared, 'tests');
// the container images take a while to build: built in the background while the first test files run
const PREBUILD = 'test/local/containers/prebuild.ts';
const prebuilding = files.some((f) => f.includes('containers'));
// the end-to-end tests run the CLI's bundle that bin/sci.js runs (made again only when a source changed, see
// cli-cache.mjs), and the test files run from a bundle of theirs (see bundle-tests.mjs), whose packages resolve
// through a link to the repository's node_modules
symlinkSync(join(process.cwd(), 'node_modules'), join(shared, 'node_modules'), 'dir');
const bundlesStart = seconds();
const [cli, bundled] = await Promise.all([
  cachedCli(),
  bundleTests(prebuilding ? [...files, PREBUILD] : files, bundle),
]);
// the AWS SDK's notice that its 2027 releases need Node 22 is said once here, not by every test file
const env = {
  ...process.env,
  SCI_TEST_TMP: shared,
  SCI_TEST_CLI: cli,
  SCI_TEST_BUNDLE: bundle,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  SCI_TEST_T0: String(performance.timeOrigin),
};
const background = [{ name: 'bundles', start: bundlesStart, end: seconds() }];
const prebuild = prebuilding
  ? spawn(process.execPath, [bundled.get(PREBUILD)], { env, stdio: ['ignore', 'ignore', 'inherit'] })
  : undefined;
const prebuilt = new Promise((resolve) => {
  if (!prebuild) return resolve(undefined);
  const start = seconds();
  prebuild.on('close', () => resolve(background.push({ name: 'test images', start, end: seconds() })));
});
if (Number(process.versions.node.split('.')[0]) < 22)
  console.log(
    'note: the AWS SDK says its releases after early January 2027 need Node.js 22 (the Lambda runtime is 22)',
  );
const start = seconds();
// the short files of a directory share a process (shared-processes.mjs; SCI_TEST_SHARED=0: each its own)
// (the idle lane's files share by directory whatever their length: how long they take does not set the run's end)
const processesOf = ({ files: laneFiles, dir, niceness }) =>
  process.env.SCI_TEST_SHARED === '0'
    ? laneFiles.map((f) => ({ entry: bundled.get(f), files: [f] }))
    : shareProcesses(laneFiles, bundled, dir, (f) => !niceness && isLong(f));
const inIdleLane = (file) => idleLane && IDLE_LANE.has(file);
const lanes = [
  { files: files.filter((f) => !inIdleLane(f)), dir: join(bundle, 'shared') },
  { files: files.filter(inIdleLane), dir: join(bundle, 'shared', 'idle'), niceness: 19, name: 'idle lane' },
].filter((lane) => lane.files.length > 0);
// failures name the sources' lines (the bundle's source maps); test-async-hook.mjs leaves node:test's per-promise
// async hook off in every test process
const preload = ['--import', pathToFileURL(join(import.meta.dirname, 'test-async-hook.mjs')).href];
/**
 * One `node --test` over a lane's processes; resolves to its exit status, its end and (SCI_TEST_TIMES) its
 * processes' times. The main lane's spec output is the runner's own; the idle lane's is kept in a file and
 * printed after it, so that the two never interleave.
 */
async function runLane(lane, i) {
  const spec = lane.niceness ? join(shared, `spec-${i}.txt`) : 'stdout';
  const times = join(shared, `times-${i}.json`);
  const reporters = ['--test-reporter=spec', `--test-reporter-destination=${spec}`];
  if (timed) reporters.push('--test-reporter=./scripts/test-times.mjs', `--test-reporter-destination=${times}`);
  const entries = processesOf(lane).map((p) => p.entry);
  const args = ['--enable-source-maps', ...preload, '--test', ...concurrency, ...reporters, ...entries];
  const command = lane.niceness ? ['nice', '-n', String(lane.niceness), process.execPath] : [process.execPath];
  const tests = spawn(command[0], [...command.slice(1), ...args], { stdio: 'inherit', env });
  const status = await new Promise((resolve) => tests.on('close', (code) => resolve(code ?? 1)));
  const end = seconds();
  // the reporter writes them when the run ends as it should; a killed run reports the cores without them
  const rows = timed && existsSync(times) ? JSON.parse(readFileSync(times, 'utf8')) : [];
  return { lane, status, end, spec, rows: rows.map((row) => ({ ...row, lane: lane.name })) };
}
const ran = await Promise.all(lanes.map(runLane));
for (const { spec } of ran) if (spec !== 'stdout') process.stdout.write(readFileSync(spec, 'utf8'));
const end = Math.max(...ran.map((lane) => lane.end));
await prebuilt;
const rows = ran.flatMap((lane) => lane.rows);
if (timed) {
  process.stdout.write(timesTable(rows));
  if (ran.length > 1)
    for (const { lane, end: laneEnd } of ran)
      process.stdout.write(`${(laneEnd - start).toFixed(1).padStart(7)}  the ${lane.name ?? 'main lane'}'s end\n`);
  process.stdout.write(`${(end - start).toFixed(1).padStart(7)}  wall time of the run\n`);
}
const status = ran.every((lane) => lane.status === 0) ? 0 : 1;
const processSpans = rows.map(({ file, start: from, end: to }) => ({ name: file, start: from, end: to }));
rmSync(shared, { recursive: true, force: true });
const checks = await checking;
for (const check of checks) {
  if (!check.passed) process.stdout.write(`\n${check.output}`);
  console.log(`${check.name}: ${check.passed ? 'passed' : 'FAILED'} (${check.seconds.toFixed(1)} s, beside the tests)`);
  background.push({ name: check.name, start: checksStart, end: checksStart + check.seconds });
}
if (cores) process.stdout.write(coreReport(cores.stop(), [...background, ...processSpans], start, end));
process.exit(checks.every((check) => check.passed) ? status : 1);
