// Which test process runs where and when (scripts/run-tests.mjs): the files of the idle lane, the long files that
// keep a process of their own, and the order in which the main lane starts its processes.

/**
 * The idle lane: files whose work is their own process's CPU, with no bound on the wall time (no timer raced, no
 * child, server or client with a timeout, no order decided by how fast a process runs). They run in a second
 * `node --test`, two at a time, at the lowest CPU priority (nice 19): its processes take the cores the main lane's
 * leave idle while those wait on the processes they started, and yield them at once when they are wanted again;
 * once the main lane has ended they have the cores to themselves (docs/testing.md, "Session 10, the idle lane").
 * A run of the whole suite has it (not with SCI_TEST_IDLE_LANE=0 or SCI_TEST_CONCURRENCY=1); files asked for by name
 * run in the main lane unless SCI_TEST_IDLE_LANE=1. Repository paths.
 */
export const IDLE_LANE = new Set(
  Object.entries({
    'test/infra': 'api-caller-policy config esbuild-cache iam-rollout-grants iam-task-grants serverless-ci',
    'test/aws': 'compiled-tasks names',
    'test/statemachines/pipeline':
      'durations expressions inputs lambda-compute matrix never-throws parse-invalid parse-valid plan ' +
      'registry-credentials repo suggest triggers validate-compiles',
    'test/statemachines/compiler':
      'conditions dag golden limits outputs payload program run-context-decode scenarios redrive rollout-aws ' +
      'rollout skip-chain visibility',
  }).flatMap(([dir, names]) => names.split(' ').map((name) => `${dir}/${name}.test.ts`)),
);
/** The long files: each keeps a process of its own, in either lane (docs/testing.md, "Session 9, procs"). */
export const LONG_FILES = [
  'test/e2e/containers',
  'test/e2e/control',
  'test/e2e/conditions',
  'test/e2e/rollout',
  'test/e2e/environments',
  'test/e2e/redrive',
  'test/e2e/disk-full',
  'test/e2e/concurrency',
  'test/e2e/artifacts-fan-in',
  'test/e2e/cli-edges',
  'test/e2e/run-dag',
  'test/e2e/other-host',
  'test/dashboard/dashboard',
  'test/serve/serve.test.ts',
  'test/serve/lifecycle',
  'test/serve/backlog',
  'test/local/store/dynalite-server',
  'test/statemachines/compiler/behaviour',
  'test/statemachines/compiler/split',
  'test/github/dispatch-delivery',
  'test/statemachines/pipeline/hostile-inputs',
  'test/local/build-runner/isolation',
  'test/cli/validate',
  'test/dashboard/stack-dashboard',
];
/**
 * The order in which the main lane starts its long processes (a shared one by its first file), by the timings of
 * 2026-11-29: those that spend much of their time waiting on the processes they start (the end-to-end files, the
 * browser's) between those that keep a core busy (the serving store, the compiler), so that two waiting files seldom
 * run side by side; `e2e/containers` once the test images are likely built. The other processes follow, by path, so
 * that the run ends on short ones.
 */
const START_ORDER = [
  'test/e2e/calls-cache',
  'test/serve/serve.test.ts',
  'test/e2e/control',
  'test/local/store/dynalite-server',
  'test/dashboard/dashboard',
  'test/serve/lifecycle',
  'test/e2e/conditions',
  'test/statemachines/compiler/split',
  'test/e2e/containers',
  'test/statemachines/compiler/behaviour',
  'test/e2e/environments',
  'test/store/',
  'test/e2e/redrive',
  'test/statemachines/pipeline/hostile-inputs',
  'test/e2e/rollout',
  'test/github/dispatch-delivery',
  'test/e2e/other-host',
  'test/serve/backlog',
  'test/e2e/run-dag',
  'test/cli/cli-cache',
  'test/e2e/disk-full',
  'test/e2e/concurrency',
  'test/e2e/artifacts-fan-in',
  'test/e2e/cli-edges',
  'test/cli/validate',
  'test/dashboard/stack-dashboard',
];
/** Short files that wait for the test images: their shared process starts after the others. */
const IMAGES_LAST = ['test/local/containers/'];
/** A file's place in the start order (run-tests.mjs sorts the files by it, then by path). */
export const rank = (file) => {
  if (IMAGES_LAST.some((prefix) => file.startsWith(prefix))) return START_ORDER.length + 1;
  const i = START_ORDER.findIndex((prefix) => file.startsWith(prefix));
  return i === -1 ? START_ORDER.length : i;
};
export const isLong = (file) => LONG_FILES.some((prefix) => file.startsWith(prefix));
