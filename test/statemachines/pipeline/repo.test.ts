/** Rules across the pipeline files of one repository. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateRepo } from '../../../statemachines/pipeline/repo.ts';

const run = 'steps:\n  a:\n    run: x\n';
const calls = (target: string, inputs = '') => `steps:\n  call:\n    pipeline: { name: ${target}${inputs} }\n`;

function problems(files: Record<string, string>): string[] {
  const { diagnostics } = validateRepo(Object.entries(files).map(([path, text]) => ({ path, text })));
  return diagnostics.map((d) => `${d.span?.file}:${d.span?.line}:${d.span?.col}: ${d.message}`);
}

test('every .sci/ pipeline file is parsed; other files are ignored', () => {
  const { pipelines, diagnostics } = validateRepo([
    { path: '.sci/ci.yml', text: run },
    { path: '.sci/deploy/prod.yaml', text: run },
    { path: '.sci/README.md', text: 'not yaml: [' },
    { path: 'src/x.yml', text: 'garbage: [' },
  ]);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(
    pipelines.map((p) => p.id),
    ['ci', 'deploy/prod'],
  );
});

const cases: Array<[string, Record<string, string>, string[]]> = [
  [
    'problems of every file at once',
    { '.sci/a.yml': 'steps: 1\n', '.sci/b.yml': `stepz: {}\n${run}` },
    [
      '.sci/a.yml:1:8: steps must be a mapping of step name to step',
      ".sci/b.yml:1:1: unknown key 'stepz' (did you mean 'steps'?)",
    ],
  ],
  [
    'unknown called pipeline',
    { '.sci/ci.yml': calls('deploy/prd'), '.sci/deploy/prod.yml': run },
    [".sci/ci.yml:2:3: step 'call' calls unknown pipeline 'deploy/prd' (did you mean 'deploy/prod'?)"],
  ],
  [
    'a call of a broken pipeline is not also unknown',
    { '.sci/ci.yml': calls('b'), '.sci/b.yml': 'x: 1\n' },
    [".sci/b.yml:1:1: missing required key 'steps'", ".sci/b.yml:1:1: unknown key 'x'"],
  ],
  ['a pipeline calling itself', { '.sci/ci.yml': calls('ci') }, ['.sci/ci.yml:2:3: pipeline ci calls itself']],
  [
    'a cycle of calls',
    { '.sci/a.yml': calls('b'), '.sci/b.yml': calls('c'), '.sci/c.yml': calls('a') },
    ['.sci/a.yml:2:3: pipeline call cycle: a → b → c → a'],
  ],
  [
    'unknown upstream pipeline',
    { '.sci/ci.yml': `on: { pipeline: { name: biuld } }\n${run}`, '.sci/build.yml': run },
    [".sci/ci.yml:1:25: unknown pipeline 'biuld' (did you mean 'build'?)"],
  ],
  [
    'started by its own end',
    { '.sci/ci.yml': `on:\n  pipeline: [{ name: ci }]\n${run}` },
    ['.sci/ci.yml:2:22: a pipeline cannot be started by its own end'],
  ],
  [
    'call inputs must be declared and required ones passed',
    {
      '.sci/ci.yml': calls('deploy', ', inputs: { targte: prod }'),
      '.sci/deploy.yml': `on:\n  manual:\n    inputs:\n      target: { required: true }\n${run}`,
    },
    [
      ".sci/ci.yml:2:3: step 'call' must pass the required input 'target' of pipeline deploy",
      ".sci/ci.yml:3:49: pipeline deploy has no input 'targte' (did you mean 'target'?)",
    ],
  ],
  [
    'two files with one id',
    { '.sci/ci.yml': run, '.sci/ci.yaml': run },
    [".sci/ci.yml:1:1: pipeline id 'ci' is also defined by .sci/ci.yaml"],
  ],
];

for (const [name, files, expected] of cases) {
  test(`repo: ${name}`, () => assert.deepEqual(problems(files), expected));
}
