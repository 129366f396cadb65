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

test('a valid repository: exit 0 and a count', (t) => {
  const dir = repo({ '.sci/ci.yml': good, '.sci/deploy/prod.yaml': good, '.sci/notes.txt': 'x' });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(sci('validate', '--repo', dir), { code: 0, stdout: 'ok: 2 pipelines\n', stderr: '' });
});

test('an invalid repository: exit 1, every problem as file:line:col, sorted', (t) => {
  const dir = repo({
    '.sci/b.yml': 'steps:\n  a:\n    need: [x]\n    run: y\n',
    '.sci/a.yml': 'steps:\n  a:\n    run: x\n    timeout: soon\n  b:\n    pipeline: { name: nope }\n',
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const result = sci('validate', '--repo', dir);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
  assert.equal(
    result.stderr,
    [
      '.sci/a.yml:4:14: timeout: expected a duration like 30s, 10m, 2h or 1d',
      ".sci/a.yml:5:3: step 'b' calls unknown pipeline 'nope'",
      ".sci/b.yml:3:5: unknown key 'need' (did you mean 'needs'?)",
      '',
    ].join('\n'),
  );
});

test("schedules' crons are checked (the CLI loads cron-parser when it first checks one)", (t) => {
  const dir = repo({
    '.sci/nightly.yml': `on: { schedule: [{ cron: '*/5 * * * 1-5' }] }\n${good}`,
    '.sci/broken.yml': `on: { schedule: [{ cron: '61 * * * *' }] }\n${good}`,
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(sci('validate', '--repo', dir), {
    code: 1,
    stdout: '',
    stderr: '.sci/broken.yml:1:26: invalid cron: Constraint error, got value 61 expected range 0-59\n',
  });
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

test("a pipeline over Step Functions' limits for one state machine validates: the compiler splits it", (t) => {
  const axis = Array.from({ length: 256 }, (_, i) => i).join(', ');
  const step = (i: number) => `  s${i}:\n    matrix: { a: [${axis}] }\n    retry: 10\n    run: echo \${{ matrix.a }}\n`;
  const dir = repo({ '.sci/big.yml': `steps:\n${[0, 1, 2].map(step).join('')}` });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(sci('validate', '--repo', dir), { code: 0, stdout: 'ok: 1 pipeline\n', stderr: '' });
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

test('a garbage file is a diagnostic, never a stack trace', (t) => {
  const dir = repo({ '.sci/ci.yml': '\u0000{{{ ]]] : : -\n\t- x' });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const result = sci('validate', '--repo', dir);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^\.sci\/ci\.yml:\d+:\d+: YAML: /);
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
