/**
 * Steps in containers, for real: `sci run` on a private Podman (test/local/containers/test-podman.ts)
 * with images built here (busybox + Node 18 / 22). Each step asserts, from inside, what it runs on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stepLogFile } from '../../local/home.ts';
import { testPodman, type TestPodman } from '../local/containers/test-podman.ts';
import {
  collect,
  runsOf,
  sandbox,
  sci,
  sciAsync,
  startSci,
  step,
  stepLog,
  waitForRun,
  type RunJson,
} from './helpers.ts';

const podman = await testPodman();
const skip = typeof podman === 'string' ? podman : false;
const pm = podman as TestPodman;
const uid = process.getuid?.() ?? 0;

const box = sandbox({
  '.sci/matrix.yml': `
steps:
  build:
    image: localhost/sci-test-node:22
    secrets: { TOKEN: "secretsmanager:sci/token" }
    env: { GREETING: hello, PATH: "/bin:/usr/bin" }
    run:
      - node -e 'require("fs").mkdirSync("out"); require("fs").writeFileSync("out/built.txt", process.version)'
      - echo "token is $TOKEN, greeting $GREETING on $SCI_BRANCH"
      - test "$(id -u)" = "${uid}"
      - test "$PWD" = /codebuild/output/sci/src && test "$CODEBUILD_SRC_DIR" = "$PWD"
      - test -z "$SCI_SECRET_TOKEN" && test "$PATH" = /bin:/usr/bin
    artifacts: [out/**]
  test:
    needs: [build]
    matrix: { node: [18, 22] }
    image: "localhost/sci-test-node:\${{ matrix.node }}"
    run:
      - echo "running on $(node --version)"
      - test "$(node --version | cut -d. -f1)" = "v\${{ matrix.node }}"
      - grep -q '^v22\\.' out/built.txt
`,
  '.sci/slow.yml': `
steps:
  sleepy:
    image: localhost/sci-test-node:22
    timeout: 3s
    run: [echo started, sleep 600]
`,
  '.sci/long.yml': `
steps:
  long:
    image: localhost/sci-test-node:22
    run: [echo started, sleep 120]
`,
  '.sci/missing.yml': `
steps:
  nowhere:
    image: localhost/sci-test-missing:1
    run: echo never
`,
});
// a TMPDIR of its own: what sci leaves there (an env file holding a step's variables) is counted
const tmp = join(box.root, 'tmp');
mkdirSync(tmp);
box.env = { ...(skip ? {} : pm.env), SCI_CONTAINER: 'podman', TMPDIR: tmp };
test.after(() => box.cleanup());
const sciTemp = () => readdirSync(tmp).filter((name) => name.startsWith('sci-'));

function containersOf(runId: string): string[] {
  return pm
    .podman('ps', '--all', '--format', '{{.Names}}', '--filter', `label=sci.run=${runId}`)
    .split('\n')
    .filter(Boolean);
}

test('a node: [18, 22] matrix runs each cell in its image; artifacts pass between containers; secrets are masked', {
  skip,
}, () => {
  const r = sci({ ...box, env: { ...box.env, SCI_SECRET_TOKEN: 'tok-s3cr3t-value' } }, 'run', 'matrix');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /in image localhost\/sci-test-node:22 \(podman\): build, test \(node=22\)/);
  assert.match(r.stdout, /in image localhost\/sci-test-node:18 \(podman\): test \(node=18\)/);
  const id = /sci show (\S+)/.exec(r.stdout)?.[1] as string;
  // what each step printed, from its log file (the cells' keys: statemachines/pipeline/plan.ts)
  assert.match(stepLog(box, id, 'test_node_18'), /running on v18\./);
  assert.match(stepLog(box, id, 'test_node_22'), /running on v22\./);
  const build = stepLog(box, id, 'build');
  assert.match(build, /token is \*\*\*, greeting hello on main/);
  assert.doesNotMatch(build, /s3cr3t/);
  assert.deepEqual(containersOf(id), []);
});

test('a timeout stops the container and leaves none behind; a missing image fails with the engine reason', {
  skip,
}, async () => {
  const r = await sciAsync(box, 'run', 'slow', 'missing', '--json');
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const runs = runsOf(r.stdout);
  const slow = runs.find((x) => x.pipeline === 'slow') as RunJson;
  const sleepy = step(slow, 'sleepy');
  assert.equal(sleepy.status, 'failed');
  assert.match(sleepy.reason ?? '', /timed out/);
  // it did not sleep its 600 s; stopping a container can take tens of seconds on a loaded machine
  assert.ok(Date.parse(sleepy.endedAt ?? '') - Date.parse(sleepy.startedAt ?? '') < 200_000);
  assert.deepEqual(containersOf(slow.id), []);
  const missing = runs.find((x) => x.pipeline === 'missing') as RunJson;
  assert.equal(step(missing, 'nowhere').status, 'failed');
  assert.match(
    stepLog(box, missing.id, 'nowhere'),
    /failed: image localhost\/sci-test-missing:1 cannot be pulled with podman: \S+/,
  );
});

/** Starts `sci run long` and resolves once its step's container runs. */
async function startLong() {
  const child = startSci(box, 'run', 'long');
  const done = collect(child);
  // the store says the step runs and its log that the container printed (cheap reads) before podman is asked (a
  // process of ≈ 0.3 s of CPU per look) for its container
  const run = await waitForRun(
    box,
    (r) => r.pipeline === 'long' && r.steps.some((s) => s.name === 'long' && s.status === 'running'),
  );
  const log = stepLogFile(box.home, run.id, 'long');
  const printed = () => existsSync(log) && readFileSync(log, 'utf8').includes('started');
  for (const deadline = Date.now() + 120_000; !printed() && Date.now() < deadline; ) await sleep(100);
  let names: string[] = [];
  for (const deadline = Date.now() + 120_000; names.length === 0 && Date.now() < deadline; await sleep(200)) {
    names = pm.podman('ps', '--format', '{{.Names}}', '--filter', 'label=sci.step=long').split('\n').filter(Boolean);
  }
  assert.equal(names.length, 1, 'the step container started');
  return { child, done };
}

const leftovers = () =>
  pm.podman('ps', '--all', '--format', '{{.Names}}', '--filter', 'label=sci.step=long').split('\n').filter(Boolean);

test('Ctrl-C on sci run stops the container and removes it', { skip }, async () => {
  const { child, done } = await startLong();
  child.kill('SIGINT');
  const r = await done;
  assert.notEqual(r.code, 0);
  assert.match(r.stdout, /long: cancelled/, r.stdout + r.stderr);
  assert.deepEqual(leftovers(), []);
  assert.deepEqual(sciTemp(), []);
});

test('crash recovery removes the container a SIGKILLed sci run left running', { skip }, async () => {
  const { child, done } = await startLong();
  child.kill('SIGKILL');
  await done;
  assert.deepEqual(runsOf(sci(box, 'runs', '--json').stdout)[0]?.status, 'failed');
  assert.deepEqual(leftovers(), []);
  assert.deepEqual(sciTemp(), [], 'the env file of the killed run is gone with its workspace');
});
