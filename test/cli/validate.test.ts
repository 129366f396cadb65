/** `sci validate` and `sci schema` through the real CLI, on temporary repositories. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SCI } from '../sci-cli.ts';

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sci-validate-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function sci(...args: string[]) {
  const result = spawnSync(process.execPath, [SCI, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const good = 'steps:\n  build:\n    run: make\n';

/**
 * The cases that pass share one repository and one `sci validate`, and so do the cases that fail: each test below
 * asserts its own files' lines exactly (a process each cost ≈ 0.4 s of CPU; issue 9).
 */
const valid = lazyValidate({
  '.sci/ci.yml': good,
  '.sci/deploy/prod.yaml': good,
  '.sci/notes.txt': 'x',
  // over Step Functions' limits for one state machine: the compiler splits it
  '.sci/big.yml': `steps:\n${[0, 1, 2].map(bigStep).join('')}`,
});
const invalid = lazyValidate({
  '.sci/b.yml': 'steps:\n  a:\n    need: [x]\n    run: y\n',
  '.sci/a.yml': 'steps:\n  a:\n    run: x\n    timeout: soon\n  b:\n    pipeline: { name: nope }\n',
  '.sci/nightly.yml': `on: { schedule: [{ cron: '*/5 * * * 1-5' }] }\n${good}`,
  '.sci/broken.yml': `on: { schedule: [{ cron: '61 * * * *' }] }\n${good}`,
  '.sci/garbage.yml': '\u0000{{{ ]]] : : -\n\t- x',
});

function bigStep(i: number): string {
  const axis = Array.from({ length: 256 }, (_, n) => n).join(', ');
  return `  s${i}:\n    matrix: { a: [${axis}] }\n    retry: 10\n    run: echo \${{ matrix.a }}\n`;
}

/** `sci validate --repo` of a repository holding `files`, run once, when a test first asks. */
function lazyValidate(files: Record<string, string>): () => ReturnType<typeof sci> {
  let result: ReturnType<typeof sci> | undefined;
  return () => {
    if (!result) {
      const dir = repo(files);
      result = sci('validate', '--repo', dir);
      rmSync(dir, { recursive: true, force: true });
    }
    return result;
  };
}

/** The lines of stderr (each ends with a newline) about the given files. */
function linesAbout(stderr: string, ...files: string[]): string[] {
  assert.ok(stderr.endsWith('\n'), stderr);
  return stderr
    .slice(0, -1)
    .split('\n')
    .filter((line) => files.some((file) => line.startsWith(`${file}:`)));
}

test('a valid repository: exit 0 and a count', () => {
  assert.deepEqual(valid(), { code: 0, stdout: 'ok: 3 pipelines\n', stderr: '' });
});

test('an invalid repository: exit 1, every problem as file:line:col, sorted', () => {
  const result = invalid();
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
  assert.deepEqual(linesAbout(result.stderr, '.sci/a.yml', '.sci/b.yml'), [
    '.sci/a.yml:4:14: timeout: expected a duration like 30s, 10m, 2h or 1d',
    ".sci/a.yml:5:3: step 'b' calls unknown pipeline 'nope'",
    ".sci/b.yml:3:5: unknown key 'need' (did you mean 'needs'?)",
  ]);
  // every line names one of the repository's invalid files, in the order of file, line and column
  const lines = result.stderr.slice(0, -1).split('\n');
  const positions = lines.map((line) => {
    const [, file, row, column] = /^(\.sci\/[a-z]+\.yml):(\d+):(\d+): /.exec(line) ?? assert.fail(line);
    return { file, row: Number(row), column: Number(column) };
  });
  assert.deepEqual(
    [...new Set(positions.map((p) => p.file))],
    ['.sci/a.yml', '.sci/b.yml', '.sci/broken.yml', '.sci/garbage.yml'],
  );
  const sorted = positions.toSorted((x, y) =>
    x.file !== y.file ? (x.file < y.file ? -1 : 1) : x.row - y.row || x.column - y.column,
  );
  assert.deepEqual(positions, sorted);
});

test("schedules' crons are checked (the CLI loads cron-parser when it first checks one)", () => {
  const result = invalid();
  assert.equal(result.code, 1);
  assert.deepEqual(linesAbout(result.stderr, '.sci/nightly.yml', '.sci/broken.yml'), [
    '.sci/broken.yml:1:26: invalid cron: Constraint error, got value 61 expected range 0-59',
  ]);
});

test('named files: only their problems are shown, checked against the others', (t) => {
  const dir = repo({
    '.sci/ci.yml': 'steps:\n  d:\n    pipeline: { name: deploy }\n',
    '.sci/deploy.yml': good,
    '.sci/bad.yml': 'x: 1\n',
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(sci('validate', '--repo', dir, join(dir, '.sci/ci.yml')), {
    code: 0,
    stdout: 'ok: 1 pipeline\n',
    stderr: '',
  });
  assert.equal(sci('validate', '--repo', dir, join(dir, '.sci/bad.yml')).code, 1);
});

test("a pipeline over Step Functions' limits for one state machine validates: the compiler splits it", () => {
  assert.deepEqual(valid(), { code: 0, stdout: 'ok: 3 pipelines\n', stderr: '' });
});

test('usage mistakes exit 2', (t) => {
  const dir = repo({ '.sci/ci.yml': good, 'other.yml': good });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(sci('validate', '--repo', dir, join(dir, 'other.yml')).code, 2);
  assert.equal(sci('validate', '--repo', dir, join(dir, '.sci/missing.yml')).code, 2);
  assert.equal(sci('validate', '--nope').code, 2);
  assert.equal(sci('validate', '--repo', join(dir, 'other.yml')).code, 2);
  assert.equal(sci('schema', 'extra').code, 2);
});

test('a garbage file is a diagnostic, never a stack trace', () => {
  const result = invalid();
  assert.equal(result.code, 1);
  const garbage = linesAbout(result.stderr, '.sci/garbage.yml');
  assert.notEqual(garbage.length, 0);
  for (const line of garbage) assert.match(line, /^\.sci\/garbage\.yml:\d+:\d+: YAML: /);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});

test('sci schema prints a draft-07 JSON Schema that rejects unknown keys', () => {
  const result = sci('schema');
  assert.equal(result.code, 0);
  const schema = JSON.parse(result.stdout) as {
    $schema: string;
    required: string[];
    additionalProperties: boolean;
    properties: Record<string, { description?: string }>;
  };
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.deepEqual(schema.required, ['steps']);
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(Object.keys(schema.properties), ['name', 'on', 'env', 'defaults', 'concurrency', 'steps']);
  assert.match(schema.properties.steps!.description ?? '', /exactly one of run, approval, pipeline/);
});

test('a secret outside the step role prefix is a warning with its position (exit 0); --secrets-prefix / SCI_SECRETS_PREFIX move the prefix', (t) => {
  const dir = repo({
    '.sci/ci.yml': 'steps:\n  pub:\n    secrets: { T: "secretsmanager:ci/npm" }\n    run: npm publish\n',
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const warned = sci('validate', '--repo', dir);
  assert.equal(warned.code, 0);
  assert.equal(
    warned.stderr,
    ".sci/ci.yml:3:19: warning: secret 'ci/npm' is outside 'sci/', the only prefix steps may read on AWS: store it as 'sci/ci/npm'\n",
  );
  const configured = sci('validate', '--repo', dir, '--secrets-prefix', 'ci/');
  assert.equal(configured.code, 0);
  assert.equal(configured.stderr, '');
});
