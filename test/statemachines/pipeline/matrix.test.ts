/**
 * Matrix include/exclude against GitHub Actions' documented examples, each with the result
 * the documentation states ("Running variations of jobs in a workflow": "Expanding or adding
 * matrix configurations", "Excluding matrix configurations"; and "Workflow syntax for GitHub
 * Actions", jobs.<job_id>.strategy.matrix.include / exclude).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePipeline } from '../../../statemachines/pipeline/parse.ts';
import { planSteps } from '../../../statemachines/pipeline/plan.ts';
import type { RunStep } from '../../../statemachines/pipeline/model.ts';

type Cell = Record<string, string | number | boolean>;

function cells(matrixYaml: string): Cell[] {
  const parsed = parsePipeline(
    '.sci/ci.yml',
    `steps:\n  job:\n    run: x\n    matrix:\n${matrixYaml.replace(/^/gm, '      ')}\n`,
  );
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.diagnostics.map((d) => d.message).join('\n'));
  const planned = planSteps(parsed.value);
  assert.ok(planned.ok, planned.ok ? '' : planned.diagnostics.map((d) => d.message).join('\n'));
  return planned.value.map((i) => i.matrix);
}

/** Order-insensitive on keys (GitHub lists `{fruit, animal, color, shape}` as sets), ordered on cells. */
const normal = (list: Cell[]) => list.map((c) => JSON.stringify(Object.fromEntries(Object.entries(c).sort())));

const GITHUB_EXAMPLES: Array<{ name: string; matrix: string; expected: Cell[] }> = [
  {
    name: 'include: expand and add (fruit/animal, six jobs)',
    matrix: `fruit: [apple, pear]
animal: [cat, dog]
include:
  - color: green
  - color: pink
    animal: cat
  - fruit: apple
    shape: circle
  - fruit: banana
  - fruit: banana
    animal: cat`,
    expected: [
      { fruit: 'apple', animal: 'cat', color: 'pink', shape: 'circle' },
      { fruit: 'apple', animal: 'dog', color: 'green', shape: 'circle' },
      { fruit: 'pear', animal: 'cat', color: 'pink' },
      { fruit: 'pear', animal: 'dog', color: 'green' },
      { fruit: 'banana' },
      { fruit: 'banana', animal: 'cat' },
    ],
  },
  {
    name: 'Example: Expanding configurations (npm: 6 joins windows-latest/16 only)',
    matrix: `os: [windows-latest, ubuntu-latest]
node: [12, 14, 16]
include:
  - os: windows-latest
    node: 16
    npm: 6`,
    expected: [
      { os: 'windows-latest', node: 12 },
      { os: 'windows-latest', node: 14 },
      { os: 'windows-latest', node: 16, npm: 6 },
      { os: 'ubuntu-latest', node: 12 },
      { os: 'ubuntu-latest', node: 14 },
      { os: 'ubuntu-latest', node: 16 },
    ],
  },
  {
    name: 'Example: Adding configurations (10 jobs: 9 + windows-latest/17)',
    matrix: `os: [macos-latest, windows-latest, ubuntu-latest]
version: [12, 14, 16]
include:
  - os: windows-latest
    version: 17`,
    expected: [
      ...['macos-latest', 'windows-latest', 'ubuntu-latest'].flatMap((os) =>
        [12, 14, 16].map((version) => ({ os, version })),
      ),
      { os: 'windows-latest', version: 17 },
    ],
  },
  {
    name: 'include only: every entry is a job',
    matrix: `include:
  - site: production
    datacenter: site-a
  - site: staging
    datacenter: site-b`,
    expected: [
      { site: 'production', datacenter: 'site-a' },
      { site: 'staging', datacenter: 'site-b' },
    ],
  },
  {
    name: 'Excluding matrix configurations (nine jobs: 12 minus 1 minus 2, partial matches)',
    matrix: `os: [macos-latest, windows-latest]
version: [12, 14, 16]
environment: [staging, production]
exclude:
  - os: macos-latest
    version: 12
    environment: production
  - os: windows-latest
    version: 16`,
    expected: [
      { os: 'macos-latest', version: 12, environment: 'staging' },
      { os: 'macos-latest', version: 14, environment: 'staging' },
      { os: 'macos-latest', version: 14, environment: 'production' },
      { os: 'macos-latest', version: 16, environment: 'staging' },
      { os: 'macos-latest', version: 16, environment: 'production' },
      { os: 'windows-latest', version: 12, environment: 'staging' },
      { os: 'windows-latest', version: 12, environment: 'production' },
      { os: 'windows-latest', version: 14, environment: 'staging' },
      { os: 'windows-latest', version: 14, environment: 'production' },
    ],
  },
  {
    name: 'Handling failures (four jobs: version 9 experimental added)',
    matrix: `version: [6, 7, 8]
experimental: [false]
include:
  - version: 9
    experimental: true`,
    expected: [
      { version: 6, experimental: false },
      { version: 7, experimental: false },
      { version: 8, experimental: false },
      { version: 9, experimental: true },
    ],
  },
  {
    name: 'include is processed after exclude: it adds back an excluded combination',
    matrix: `os: [linux, arm]
node: [20, 22]
exclude: [{ os: arm, node: 20 }]
include: [{ os: arm, node: 20, emulated: true }]`,
    expected: [
      { os: 'linux', node: 20 },
      { os: 'linux', node: 22 },
      { os: 'arm', node: 22 },
      { os: 'arm', node: 20, emulated: true },
    ],
  },
];

for (const example of GITHUB_EXAMPLES) {
  test(`GitHub's documented matrix: ${example.name}`, () => {
    assert.deepEqual(normal(cells(example.matrix)), normal(example.expected));
  });
}

test('an include extends only original cells: a later entry never lands on a cell an include added', () => {
  const result = cells('os: [linux]\ninclude:\n  - os: mac\n  - arch: arm');
  assert.deepEqual(result, [{ os: 'linux', arch: 'arm' }, { os: 'mac' }]);
});

test('cell names list the original axes in their order, then the added keys', () => {
  const parsed = parsePipeline(
    '.sci/ci.yml',
    'steps:\n  t:\n    run: x\n    matrix:\n      os: [linux]\n      node: [20]\n      include: [{ extra: 1, node: 24, os: linux }, { node: 20, color: red }]\n',
  );
  assert.ok(parsed.ok);
  const planned = planSteps(parsed.value);
  assert.ok(planned.ok);
  assert.deepEqual(
    planned.value.map((i) => i.name),
    ['t (os=linux, node=20, color=red)', 't (os=linux, node=24, extra=1)'],
  );
});

test('extra keys are matrix values; a cell without one sees it empty', () => {
  const parsed = parsePipeline(
    '.sci/ci.yml',
    'steps:\n  t:\n    matrix:\n      node: [20, 22]\n      include: [{ node: 22, npm: 10 }]\n    run: "echo [${{ matrix.npm }}]"\n',
  );
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.diagnostics.map((d) => d.message).join('\n'));
  const planned = planSteps(parsed.value);
  assert.ok(planned.ok);
  const command = (i: number) =>
    (planned.value[i]!.step as RunStep).commands[0]!.parts.map((p) => ('text' in p ? p.text : '?')).join('');
  assert.deepEqual([command(0), command(1)], ['echo []', 'echo [10]']);
});

test('matrix mistakes are positioned errors', () => {
  const cases: Array<[string, string, number, number]> = [
    [
      '      os: [a]\n      exclude: [{ oss: a }]\n',
      "exclude key 'oss' is not a matrix axis (did you mean 'os'?)",
      6,
      19,
    ],
    ['      os: [a]\n      exclude: [{ os: a }]\n', "step 't': matrix has no cells left after exclude", 4, 5],
    ['      include: []\n', "step 't': a matrix needs at least one axis or include entry", 4, 5],
    ['      include: [{}]\n', 'an include entry must not be empty', 5, 17],
    ['      include: [a]\n', 'each include entry must be a mapping of axis: value', 5, 17],
    ['      os: a\n', 'a matrix axis must be a list', 5, 11],
    ['      1os: [a]\n', 'matrix axes are letters, digits and _, not starting with a digit', 5, 7],
  ];
  for (const [matrix, message, line, col] of cases) {
    const parsed = parsePipeline('.sci/ci.yml', `steps:\n  t:\n    run: x\n    matrix:\n${matrix}`);
    assert.ok(!parsed.ok, matrix);
    assert.deepEqual(
      parsed.diagnostics.map((d) => [d.message, d.span?.line, d.span?.col]),
      [[message, line, col]],
      matrix,
    );
  }
});

test('a huge product is refused before it is enumerated', () => {
  const axes = Array.from({ length: 16 }, (_, i) => `a${i}: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]`).join(', ');
  const parsed = parsePipeline('.sci/ci.yml', `steps:\n  t:\n    run: x\n    matrix: { ${axes} }\n`);
  assert.ok(!parsed.ok);
  assert.match(
    parsed.diagnostics[0]!.message,
    /matrix axes make 10000000000000000 combinations before exclude \(at most 65536; at most 256 cells in the end\)/,
  );
});
