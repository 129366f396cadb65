/** Valid pipelines: the model has every default filled, so consumers never special-case absence. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePipeline, pipelineIdFromPath } from '../../../statemachines/pipeline/parse.ts';
import type { Pipeline, RunStep, Step } from '../../../statemachines/pipeline/model.ts';

function parse(yaml: string, file = '.sci/ci.yml'): Pipeline {
  const result = parsePipeline(file, yaml);
  assert.ok(
    result.ok,
    result.ok ? '' : result.diagnostics.map((d) => `${d.span?.line}:${d.span?.col}: ${d.message}`).join('\n'),
  );
  return result.value;
}

const runStep = (step: Step | undefined): RunStep => {
  assert.equal(step?.kind, 'run');
  return step as RunStep;
};

/** Drops spans, which other tests pin, so these assertions read as the model. */
const plain = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (k, v: unknown) => (k === 'span' ? undefined : v)));

test('a minimal file gets every default', () => {
  const p = parse('steps:\n  build:\n    run: make\n', '.sci/deploy/prod.yml');
  assert.equal(p.id, 'deploy/prod');
  assert.equal(p.name, 'deploy/prod');
  assert.deepEqual(p.triggers, { push: {} });
  assert.deepEqual(plain(p.defaults), {
    image: { parts: [{ text: 'aws/codebuild/standard:7.0' }] },
    compute: 'small',
    timeout: 3600,
  });
  const step = runStep(p.steps[0]);
  assert.deepEqual(plain(step), {
    name: 'build',
    needs: [],
    if: { kind: 'call', name: 'success', args: [] },
    ifWritten: false,
    allowFailure: false,
    kind: 'run',
    commands: [{ parts: [{ text: 'make' }] }],
    image: { parts: [{ text: 'aws/codebuild/standard:7.0' }] },
    compute: 'small',
    timeout: 3600,
    retry: { max: 0, on: ['failure', 'timeout'] },
    env: {},
    secrets: {},
    artifacts: [],
    outputs: [],
  });
  assert.deepEqual(step.span, { file: '.sci/deploy/prod.yml', line: 2, col: 3, endLine: 2, endCol: 8 });
});

test('the example of the format page parses, with its triggers normalized', () => {
  const p = parse(readFileSync(new URL('./fixtures/full.yml', import.meta.url), 'utf8'));
  assert.deepEqual(plain(p.triggers), {
    push: { branches: ['main', 'release/*'], tags: ['v*'], paths: ['src/**'], pathsIgnore: ['docs/**'] },
    pullRequest: { types: ['opened', 'synchronize', 'reopened'], branches: ['main'] },
    schedule: [{ cron: '0 3 * * 1-5', branch: 'main' }],
    manual: {
      inputs: {
        target: { type: 'choice', options: ['staging', 'prod'], required: false, default: 'staging' },
        dry_run: { type: 'boolean', required: false, default: true },
      },
    },
    pipeline: [{ name: 'ci', status: ['succeeded'] }],
  });
  assert.deepEqual(
    p.steps.map((s) => [s.name, s.kind]),
    [
      ['lint', 'run'],
      ['test', 'run'],
      ['package', 'run'],
      ['approve-prod', 'approval'],
      ['deploy', 'pipeline'],
      ['notify', 'run'],
    ],
  );
  const test = runStep(p.steps[1]);
  assert.deepEqual(test.matrix?.axes, { node: [20, 22], shard: [1, 2] });
  assert.deepEqual(test.retry, { max: 2, on: ['failure', 'timeout'] });
  assert.equal(test.timeout, 600);
  assert.deepEqual(plain(test.image), {
    parts: [{ text: 'node:' }, { expr: { kind: 'context', path: ['matrix', 'node'] } }],
  });
  assert.deepEqual(test.cache?.paths, ['~/.npm']);
  const pkg = runStep(p.steps[2]);
  assert.equal(pkg.timeout, 1800, 'defaults.timeout applies');
  assert.equal(pkg.image, p.defaults.image);
  assert.deepEqual(plain(pkg.secrets), { NPM_TOKEN: { store: 'secretsmanager', id: 'ci/npm-token' } });
  assert.equal(pkg.ifWritten, true);
  const approval = p.steps[3]!;
  assert.ok(approval.kind === 'approval');
  assert.equal(approval.timeout, 86400);
  const deploy = p.steps[4]!;
  assert.ok(deploy.kind === 'pipeline');
  assert.equal(deploy.pipeline, 'deploy/prod');
  assert.deepEqual(plain(deploy.inputs), { target: { parts: [{ text: 'prod' }] } });
  assert.deepEqual(plain(p.steps[5]!.if), { kind: 'call', name: 'always', args: [] });
  assert.deepEqual(plain(p.concurrency), {
    group: { parts: [{ text: 'deploy-' }, { expr: { kind: 'context', path: ['branch'] } }] },
    cancelInProgress: true,
  });
});

const cases: Array<[string, string, (p: Pipeline) => void]> = [
  [
    'on as one event name',
    'on: pull_request\n',
    (p) => assert.deepEqual(p.triggers, { pullRequest: { types: ['opened', 'synchronize', 'reopened'] } }),
  ],
  ['on as a list', 'on: [push, manual]\n', (p) => assert.deepEqual(p.triggers, { push: {}, manual: { inputs: {} } })],
  [
    'empty push and manual',
    'on:\n  push:\n  manual:\n',
    (p) => assert.deepEqual(p.triggers, { push: {}, manual: { inputs: {} } }),
  ],
  [
    'choice inferred from options',
    'on:\n  manual:\n    inputs:\n      env: { options: [a, b] }\n',
    (p) =>
      assert.deepEqual(p.triggers.manual?.inputs, { env: { type: 'choice', options: ['a', 'b'], required: false } }),
  ],
  [
    'string input default from a number',
    'on:\n  manual:\n    inputs:\n      v: { default: 3, required: true }\n',
    (p) => assert.deepEqual(p.triggers.manual?.inputs, { v: { type: 'string', required: true, default: '3' } }),
  ],
  [
    'pipeline trigger as a list',
    'on:\n  pipeline: [{ name: a, status: [failed, succeeded] }]\n',
    (p) => assert.deepEqual(plain(p.triggers.pipeline), [{ name: 'a', status: ['failed', 'succeeded'] }]),
  ],
  ['durations', 'defaults: { timeout: 1h30m }\n', (p) => assert.equal(p.defaults.timeout, 5400)],
  [
    'concurrency as a string',
    'concurrency: deploy\n',
    (p) => assert.deepEqual(plain(p.concurrency), { group: { parts: [{ text: 'deploy' }] }, cancelInProgress: false }),
  ],
  [
    'env numbers become strings',
    'env: { N: 3, B: true }\n',
    (p) => assert.deepEqual(plain(p.env), { N: { parts: [{ text: '3' }] }, B: { parts: [{ text: 'true' }] } }),
  ],
];

const stepCases: Array<[string, string, (s: Step) => void]> = [
  [
    'day duration on an approval',
    '    approval: { timeout: 1d }\n',
    (s) => assert.ok(s.kind === 'approval' && s.timeout === 86400),
  ],
  [
    'approval default message',
    '    approval:\n',
    (s) => assert.deepEqual(s.kind === 'approval' && plain(s.message), { parts: [{ text: 'Approve s?' }] }),
  ],
  [
    'retry as a mapping',
    '    run: x\n    retry: { max: 3, on: [timeout] }\n',
    (s) => assert.deepEqual(runStep(s).retry, { max: 3, on: ['timeout'] }),
  ],
  [
    'run as a list',
    '    run: [a, b]\n',
    (s) => assert.deepEqual(plain(runStep(s).commands), [{ parts: [{ text: 'a' }] }, { parts: [{ text: 'b' }] }]),
  ],
  ['needs as a string', '    needs: t\n    run: x\n', (s) => assert.deepEqual(s.needs, ['t'])],
  [
    'if as a boolean',
    '    if: false\n    run: x\n',
    (s) => assert.deepEqual(plain(s.if), { kind: 'literal', value: false }),
  ],
  [
    'ssm secret',
    '    run: x\n    secrets: { T: "ssm:/ci/t" }\n',
    (s) => assert.deepEqual(plain(runStep(s).secrets), { T: { store: 'ssm', id: '/ci/t' } }),
  ],
  [
    'lambda compute',
    '    run: x\n    compute: lambda-4gb\n    image: aws/codebuild/amazonlinux-x86_64-lambda-standard:nodejs22\n',
    (s) => assert.equal(runStep(s).compute, 'lambda-4gb'),
  ],
  [
    'pipeline call timeout',
    '    pipeline: { name: other }\n    timeout: 2h\n',
    (s) => assert.ok(s.kind === 'pipeline' && s.timeout === 7200),
  ],
  [
    'block scalar run',
    '    run: |\n      echo a\n      echo b\n',
    (s) => assert.deepEqual(plain(runStep(s).commands), [{ parts: [{ text: 'echo a\necho b\n' }] }]),
  ],
];

for (const [name, yaml, check] of cases) {
  test(`valid: ${name}`, () => check(parse(`${yaml}steps:\n  t:\n    run: x\n`)));
}
for (const [name, yaml, check] of stepCases) {
  test(`valid step: ${name}`, () => check(parse(`steps:\n  t:\n    run: x\n  s:\n${yaml}`).steps[1]!));
}

test('a leading document marker and comments are fine', () => {
  assert.equal(parse('# ci\n---\nsteps:\n  a:\n    run: x # inline\n').steps.length, 1);
});

test('steps keep file order, even with integer-like names', () => {
  assert.deepEqual(
    parse('steps:\n  b:\n    run: x\n  "2":\n    run: x\n  a:\n    run: x\n').steps.map((s) => s.name),
    ['b', '2', 'a'],
  );
});

test('an expression in a block scalar points at its own line and column', () => {
  const result = parsePipeline('.sci/x.yml', 'steps:\n  a:\n    run: |\n      echo ok\n      echo ${{ nope }}\n');
  assert.ok(!result.ok);
  assert.deepEqual(
    result.diagnostics.map((d) => [d.span?.line, d.span?.col]),
    [[5, 16]],
  );
});

test('pipeline ids come from the path under .sci/', () => {
  assert.equal(pipelineIdFromPath('.sci/deploy/prod.yml'), 'deploy/prod');
  assert.equal(pipelineIdFromPath('.sci/ci.yaml'), 'ci');
});
