/** Conditions on branch and typed inputs; usage and pipeline errors exit 2 with positions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitAll } from '../git-repo.ts';
import { homePaths } from '../../local/home.ts';
import { runsOf, sandbox, sci, sharedRun, step, stepLog, type RunJson } from './helpers.ts';

const box = sandbox({
  '.sci/release.yml': `
on:
  push: { branches: [main, dev] }
  manual:
    inputs:
      target: { type: choice, options: [staging, prod], default: staging }
      dry_run: { type: boolean, default: true }
steps:
  always-on: { run: 'echo "target=$SCI_INPUT_TARGET dry=$SCI_INPUT_DRY_RUN"' }
  main-only: { if: "branch == 'main'", run: echo main }
  prod-only: { if: "inputs.target == 'prod' && !inputs.dry_run", run: echo prod }
`,
  '.sci/docs.yml': `
on: { push: { branches: [docs/*] } }
steps:
  build: { run: echo docs }
`,
});
test.after(() => box.cleanup());

const statuses = (run: RunJson) => Object.fromEntries(run.steps.map((s) => [s.name, s.status]));

test('a push to main runs the pipelines whose on matches, with input defaults', () => {
  const r = sci(box, 'run', '--json');
  assert.equal(r.code, 0, r.stderr);
  const runs = runsOf(r.stdout);
  assert.deepEqual(
    runs.map((x) => x.pipeline),
    ['release'],
  );
  assert.deepEqual(statuses(runs[0]!), { 'always-on': 'succeeded', 'main-only': 'succeeded', 'prod-only': 'skipped' });
  assert.match(stepLog(box, runs[0]!.id, 'always_on'), /target=staging dry=true/);
});

/**
 * The runs of `release` (on `dev`, with inputs) and of `docs` (named, whose `on` takes neither `main` nor `dev`) come
 * from one `sci run`, each test asserting its own (`docs` declares no input: `--input` goes to the pipelines that do).
 */
const runOf = sharedRun(
  box,
  'release',
  'docs',
  '--branch',
  'dev',
  '--input',
  'target=prod',
  '--input',
  'dry_run=false',
);

test('branch and typed inputs decide conditions', async () => {
  const { run, code, stderr } = await runOf('release');
  assert.equal(code, 0, stderr);
  assert.deepEqual(statuses(run), { 'always-on': 'succeeded', 'main-only': 'skipped', 'prod-only': 'succeeded' });
  assert.match(step(run, 'main-only').reason ?? '', /branch/);
});

test('naming a pipeline runs it whatever its on; no match runs nothing', async () => {
  const { run, code, stdout, stderr } = await runOf('docs');
  assert.equal(code, 0, stderr);
  assert.equal(run.status, 'succeeded');
  // the named pipelines run, and only they
  assert.deepEqual(
    runsOf(stdout)
      .map((x) => x.pipeline)
      .sort(),
    ['docs', 'release'],
  );
  const none = sci(box, 'run', '--branch', 'feature/x');
  assert.equal(none.code, 0);
  assert.match(none.stdout, /no pipeline starts on push to feature\/x/);
});

test("a push's path filters see the files the HEAD commit changed", () => {
  const paths = sandbox({
    '.sci/docs.yml': 'on:\n  push:\n    paths: ["docs/**"]\nsteps:\n  a:\n    run: "true"\n',
    '.sci/code.yml': 'on:\n  push:\n    paths_ignore: ["docs/**"]\nsteps:\n  a:\n    run: "true"\n',
    'docs/a.md': 'a\n',
  });
  try {
    // the first commit has no parent: path filters match (GitHub Actions' way when it cannot tell)
    assert.deepEqual(
      runsOf(sci(paths, 'run', '--json').stdout)
        .map((x) => x.pipeline)
        .sort(),
      ['code', 'docs'],
    );
    writeFileSync(join(paths.repo, 'docs', 'a.md'), 'b\n');
    commitAll(paths.repo, 'docs only');
    assert.deepEqual(
      runsOf(sci(paths, 'run', '--json').stdout).map((x) => x.pipeline),
      ['docs'],
    );
    writeFileSync(join(paths.repo, 'main.c'), 'int main;\n');
    commitAll(paths.repo, 'code only');
    assert.deepEqual(
      runsOf(sci(paths, 'run', '--json').stdout).map((x) => x.pipeline),
      ['code'],
    );
  } finally {
    paths.cleanup();
  }
});

test('a bad input value, an unknown pipeline or flag: exit 2 with a message', () => {
  const bad = sci(box, 'run', 'release', '--input', 'target=moon');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /target/);
  assert.equal(sci(box, 'run', 'nope').code, 2);
  assert.equal(sci(box, 'run', '--frobnicate').code, 2);
});

test('an invalid pipeline file: exit 2, file:line:col, nothing runs', () => {
  const broken = sandbox({ '.sci/ci.yml': 'steps:\n  a:\n    run: x\n    needs: [b]\n' });
  try {
    const r = sci(broken, 'run');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^\.sci\/ci\.yml:4:\d+: unknown step 'b'/m);
    // no run recorded: the store was never made (a `sci runs --json` would list none)
    assert.ok(
      !existsSync(homePaths(broken.home).storeDb),
      'sci run opened the store of a pipeline that does not compile',
    );
  } finally {
    broken.cleanup();
  }
});
