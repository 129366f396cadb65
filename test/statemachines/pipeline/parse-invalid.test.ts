/**
 * Invalid pipelines: each case is a file and the exact diagnostics a user sees
 * (`line:col: message`), so both the wording and the position are pinned.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePipeline } from '../../../statemachines/pipeline/parse.ts';

const FILE = '.sci/ci.yml';

/** `steps:` with one valid step, so a case only has to write what is wrong. */
const ok = 'steps:\n  build:\n    run: make\n';

/** A rollout step `r` with the given `rollout:` body (indented under it). */
const rollout = (body: string) => `steps:\n  r:\n    rollout:\n${body.replace(/^/gm, '      ')}\n`;
const LOCAL =
  'target: { local: { listen: 8080, stable: "http://127.0.0.1:8081", candidate: "http://127.0.0.1:8082" } }';
const TG = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup';

function rolloutCases(): Array<[string, string, string[]]> {
  return [
    ['rollout without target', rollout('weights: [100]'), ["4:7: missing required key 'target'"]],
    [
      'rollout with two targets',
      rollout(
        `target:\n  local: { listen: 1, stable: "http://127.0.0.1:2", candidate: "http://127.0.0.1:3" }\n  lambda: { function: f, alias: a, version: 1 }\nweights: [100]`,
      ),
      ['4:7: a rollout has one target, not lambda and local'],
    ],
    [
      'canary without weights',
      rollout(LOCAL),
      ['3:5: a canary rollout needs weights, e.g. [10, 50, 100] (or strategy: blue_green)'],
    ],
    ['weights going down', rollout(`${LOCAL}\nweights: [50, 10, 100]`), ['5:21: weights must go up: 10 after 50']],
    [
      'weights not ending at 100',
      rollout(`${LOCAL}\nweights: [10, 50]`),
      ['5:16: the last weight must be 100 (the candidate takes all traffic)'],
    ],
    ['weight over 100', rollout(`${LOCAL}\nweights: [10, 150]`), ['5:21: a weight is a whole percentage (1-100)']],
    [
      'blue_green with steps',
      rollout(`${LOCAL}\nstrategy: blue_green\nweights: [50, 100]`),
      ['6:16: blue_green switches all traffic at once: weights must be [100] or left out'],
    ],
    [
      'bad error rate',
      rollout(`${LOCAL}\nweights: [100]\nanalysis: { max_error_rate: two }`),
      ['6:35: max_error_rate: expected a percentage like 2% (0-100)'],
    ],
    [
      'alarms on a local target',
      rollout(`${LOCAL}\nweights: [100]\nanalysis: { alarms: [a] }`),
      ['6:19: alarms are CloudWatch alarms: they apply to lambda and alb targets, not local'],
    ],
    [
      'local target not local',
      rollout(
        'target: { local: { listen: 8080, stable: "http://example.com:80", candidate: "http://127.0.0.1:8082" } }\nweights: [100]',
      ),
      ['4:48: stable must be a local server like http://127.0.0.1:8081'],
    ],
    [
      'local target on its own port',
      rollout(
        'target: { local: { listen: 8081, stable: "http://127.0.0.1:8081", candidate: "http://127.0.0.1:8082" } }\nweights: [100]',
      ),
      ["4:48: stable cannot be the proxy's own port 8081"],
    ],
    [
      'alb target group not an ARN',
      rollout(`target: { alb: { listener: x, stable: ${TG}/a/1, candidate: ${TG}/b/2 } }\nweights: [100]`),
      ['4:34: listener must be the ARN of an Application Load Balancer listener'],
    ],
    [
      'an AWS target baking under a minute',
      rollout('target: { lambda: { function: f, alias: a, version: 3 } }\nweights: [100]\ninterval: 30s'),
      ['6:17: a lambda target is measured by CloudWatch, one datapoint a minute: interval must be at least 1m'],
    ],
    [
      'unknown rollout key',
      rollout(`${LOCAL}\nweights: [100]\nintervall: 1m`),
      ["6:7: unknown key 'intervall' (did you mean 'interval'?)"],
    ],
    [
      'rollout with a matrix',
      `steps:\n  r:\n    matrix: { a: [1] }\n    rollout:\n      ${LOCAL}\n      weights: [100]\n`,
      ['3:5: a rollout step cannot have a matrix'],
    ],
    [
      'run-only key on rollout',
      `steps:\n  r:\n    image: x\n    rollout:\n      ${LOCAL}\n      weights: [100]\n`,
      ["3:5: 'image' applies only to run steps"],
    ],
  ];
}

const cases: Array<[string, string, string[]]> = [
  [
    'YAML syntax error',
    'steps:\n  build:\n    run: [make\n',
    ['4:1: YAML: flow sequence in block collection must be sufficiently indented and end with a ]'],
  ],
  ['duplicate YAML key', 'steps:\n  a:\n    run: x\n  a:\n    run: y\n', ['4:3: YAML: map keys must be unique']],
  ['two YAML documents', `${ok}---\n${ok}`, ["4:1: YAML: a pipeline file holds one document (remove the '---')"]],
  ['a list as a key', 'steps:\n  ? [a]\n  : { run: x }\n', ['2:5: YAML: keys must be plain strings']],
  [
    'an unquoted ! starts a YAML tag',
    'steps:\n  a:\n    if: !pr.fork && always()\n    run: x\n',
    ["3:9: YAML: '!pr.fork' is read as a YAML tag; quote the whole value if it is an expression"],
  ],
  [
    'YAML nested too deeply',
    `steps:\n  a: ${'['.repeat(3000)}${']'.repeat(3000)}\n`,
    ['2:70: YAML: nested more than 64 levels deep'],
  ],
  [
    'brackets inside quotes and comments do not count',
    `steps: # ${'['.repeat(100)}\n  a:\n    run: "${'['.repeat(100)}"\n    zz: 1\n`,
    ["4:5: unknown key 'zz'"],
  ],
  ['not a mapping', '- a\n- b\n', ['1:1: a pipeline file must be a mapping']],
  ['empty file', '', ['1:1: a pipeline file must be a mapping']],
  ['missing steps', 'name: x\n', ["1:1: missing required key 'steps'"]],
  ['unknown top-level key', `stpes: {}\n${ok}`, ["1:1: unknown key 'stpes' (did you mean 'steps'?)"]],
  ['unknown key without suggestion', `${ok}zzz: 1\n`, ["4:1: unknown key 'zzz'"]],
  [
    'unknown step key',
    'steps:\n  b:\n    need: [a]\n    run: x\n  a:\n    run: y\n',
    ["3:5: unknown key 'need' (did you mean 'needs'?)"],
  ],
  [
    'two unknown keys in one step',
    'steps:\n  b:\n    imagee: x\n    timout: 1m\n    run: x\n',
    ["3:5: unknown key 'imagee' (did you mean 'image'?)", "4:5: unknown key 'timout' (did you mean 'timeout'?)"],
  ],
  ['no steps', 'steps: {}\n', ['1:1: a pipeline needs at least one step']],
  [
    'step without kind',
    'steps:\n  a:\n    needs: []\n',
    ["2:3: step 'a': a step needs one of run, approval, pipeline or rollout"],
  ],
  [
    'step with two kinds',
    'steps:\n  a:\n    run: x\n    approval: { message: ok }\n',
    ["2:3: step 'a': a step has exactly one of run, approval, pipeline or rollout, not run and approval"],
  ],
  ...rolloutCases(),
  [
    'run-only key on approval',
    'steps:\n  a:\n    approval: {}\n    image: node\n',
    ["4:5: 'image' applies only to run steps"],
  ],
  ['empty run', 'steps:\n  a:\n    run: ""\n', ['3:10: run must not be empty']],
  ['run not a string', 'steps:\n  a:\n    run: { x: 1 }\n', ['3:10: run must be a string or a list of strings']],
  ['step not a mapping', 'steps:\n  a: make\n', ['2:6: a step must be a mapping']],
  [
    'unknown need',
    'steps:\n  lint:\n    run: x\n  test:\n    needs: [lnt]\n    run: y\n',
    ["5:13: unknown step 'lnt' in needs (did you mean 'lint'?)"],
  ],
  [
    'unknown need after a repeated one',
    'steps:\n  lint:\n    run: x\n  test:\n    needs: [lint, lint, nope]\n    run: y\n',
    ["5:25: unknown step 'nope' in needs"],
  ],
  [
    'unknown need as a string',
    'steps:\n  test:\n    needs: nope\n    run: y\n',
    ["3:12: unknown step 'nope' in needs"],
  ],
  ['self need', 'steps:\n  a:\n    needs: a\n    run: y\n', ["3:12: step 'a' cannot need itself"]],
  [
    'cycle',
    'steps:\n  a:\n    needs: [c]\n    run: x\n  b:\n    needs: [a]\n    run: x\n  c:\n    needs: [b]\n    run: x\n',
    ['2:3: cycle: a → c → b → a'],
  ],
  [
    'duplicate name after matrix expansion',
    'steps:\n  t:\n    matrix: { n: [1, 1] }\n    run: x\n',
    ["2:3: duplicate step name 't (n=1)'"],
  ],
  [
    'matrix name collides with a step',
    "steps:\n  't (n=1)':\n    run: x\n  t:\n    matrix: { n: [1] }\n    run: x\n",
    ["4:3: duplicate step name 't (n=1)'"],
  ],
  [
    'name too long',
    `steps:\n  ${'x'.repeat(81)}:\n    run: y\n`,
    [`2:3: step name '${'x'.repeat(81)}' is longer than 80 characters`],
  ],
  [
    'matrix name too long',
    `steps:\n  ${'x'.repeat(71)}:\n    matrix: { node: [20] }\n    run: y\n`,
    [`2:3: step name '${'x'.repeat(71)} (node=20)' is longer than 80 characters`],
  ],
  [
    'step name with trailing space',
    "steps:\n  'a ':\n    run: y\n",
    ["2:3: step name 'a ' must be printable and not start or end with a space"],
  ],
  [
    'bad duration',
    'steps:\n  a:\n    run: x\n    timeout: 10x\n',
    ['4:14: timeout: expected a duration like 30s, 10m, 2h or 1d'],
  ],
  [
    'number as duration',
    'steps:\n  a:\n    run: x\n    timeout: 30\n',
    ['4:14: timeout: expected a duration like 30s, 10m, 2h or 1d'],
  ],
  [
    'zero duration',
    'defaults: { timeout: 0s }\nsteps:\n  a:\n    run: x\n',
    ['1:22: a duration must be longer than 0s'],
  ],
  [
    'bad compute',
    'steps:\n  a:\n    run: x\n    compute: smal\n',
    [
      "4:14: compute: expected one of small, medium, large, xlarge, lambda-1gb, lambda-2gb, lambda-4gb, lambda-8gb, lambda-10gb, got 'smal' (did you mean 'small'?)",
    ],
  ],
  [
    'cron with 6 fields',
    `on:\n  schedule: [{ cron: "0 0 3 * * 1" }]\n${ok}`,
    ['2:22: cron must have 5 fields (minute hour day month weekday), got 6'],
  ],
  [
    'cron out of range',
    `on:\n  schedule:\n    - cron: "61 3 * * *"\n${ok}`,
    ['3:13: invalid cron: Constraint error, got value 61 expected range 0-59'],
  ],
  [
    'cron with both day fields',
    `on:\n  schedule:\n    - cron: "0 3 1 * 1"\n${ok}`,
    ['3:13: cron may restrict the day of the month or the day of the week, not both (use * for one)'],
  ],
  ['missing cron', `on:\n  schedule:\n    - branch: main\n${ok}`, ["3:7: missing required key 'cron'"]],
  ['unknown trigger', `on:\n  pushh: {}\n${ok}`, ["2:3: unknown key 'pushh' (did you mean 'push'?)"]],
  [
    'unknown push filter',
    `on:\n  push: { branchs: [main] }\n${ok}`,
    ["2:11: unknown key 'branchs' (did you mean 'branches'?)"],
  ],
  [
    'unknown pr type',
    `on:\n  pull_request: { types: [opend] }\n${ok}`,
    [
      "2:27: types: expected one of opened, synchronize, reopened, closed, edited, ready_for_review, converted_to_draft, labeled, unlabeled, assigned, unassigned, review_requested, review_request_removed, locked, unlocked, got 'opend' (did you mean 'opened'?)",
    ],
  ],
  ['on with no event', `on: {}\n${ok}`, ['1:1: on: no event would ever start this pipeline']],
  [
    'bad event name',
    `on: puhs\n${ok}`,
    ["1:5: on: expected one of push, pull_request, manual, got 'puhs' (did you mean 'push'?)"],
  ],
  [
    'expression syntax',
    "steps:\n  a:\n    if: branch = 'main'\n    run: x\n",
    ["3:16: expression: use '==' to compare"],
  ],
  [
    'expression unknown context',
    "steps:\n  a:\n    if: brnch == 'main'\n    run: x\n",
    ["3:9: expression: unknown context 'brnch' (did you mean 'branch'?)"],
  ],
  [
    'expression unknown function',
    "steps:\n  a:\n    if: startWith(branch, 'v')\n    run: x\n",
    ["3:9: expression: unknown function 'startWith' (did you mean 'startsWith'?)"],
  ],
  [
    'expression double quotes',
    'steps:\n  a:\n    if: branch == "main"\n    run: x\n',
    ["3:19: expression: strings use single quotes: 'like this'"],
  ],
  ['expression unbalanced', "steps:\n  a:\n    if: (branch == 'main'\n    run: x\n", ["3:26: expression: missing ')'"]],
  [
    'bad context field',
    'steps:\n  a:\n    if: pr.numbr == 1\n    run: x\n',
    ["3:9: expression: 'pr.numbr' is not a context (use pr.number, pr.base, pr.fork)"],
  ],
  [
    'startsWith with a non-literal pattern',
    'steps:\n  a:\n    if: startsWith(branch, tag)\n    run: x\n',
    ['3:9: expression: startsWith(): the second argument must be a quoted string'],
  ],
  [
    'status function with arguments',
    'steps:\n  a:\n    if: always(1)\n    run: x\n',
    ['3:9: expression: always() takes no arguments, got 1'],
  ],
  ['unterminated template', 'steps:\n  a:\n    run: "echo ${{ branch"\n', ["3:16: unterminated '${{' (missing '}}')"]],
  ['empty template expression', 'steps:\n  a:\n    run: "echo ${{ }}"\n', ["3:16: empty expression '${{ }}'"]],
  [
    'unknown context in run list item',
    'steps:\n  a:\n    run:\n      - echo ok\n      - echo ${{ sah }}\n',
    ["5:18: expression: unknown context 'sah' (did you mean 'sha'?)"],
  ],
  [
    'matrix outside a matrix step',
    'steps:\n  a:\n    image: "node:${{ matrix.node }}"\n    run: x\n',
    ['3:22: matrix.node is only available in a step with a matrix'],
  ],
  [
    'unknown matrix axis',
    'steps:\n  a:\n    matrix: { node: [20] }\n    run: "echo ${{ matrix.nod }}"\n',
    ["4:20: unknown matrix axis 'nod' (did you mean 'node'?)"],
  ],
  [
    'matrix in pipeline env',
    'env:\n  X: "${{ matrix.a }}"\nsteps:\n  a:\n    run: x\n',
    ['2:11: matrix.a is only available in a step with a matrix'],
  ],
  [
    'unknown input',
    "on:\n  manual:\n    inputs:\n      target: { type: string }\nsteps:\n  a:\n    if: inputs.targt == 'x'\n    run: x\n",
    ["7:9: unknown input 'targt' (declare it under on.manual.inputs) (did you mean 'target'?)"],
  ],
  [
    'input without manual trigger',
    'steps:\n  a:\n    run: echo ${{ inputs.x }}\n',
    ["3:19: unknown input 'x' (declare it under on.manual.inputs)"],
  ],
  [
    'status function in a template',
    'steps:\n  a:\n    run: "echo ${{ success() }}"\n',
    ['3:20: only a value like ${{ branch }} or ${{ matrix.node }} can be inserted; conditions belong in if:'],
  ],
  [
    'comparison in a template',
    'steps:\n  a:\n    image: "${{ branch == \'main\' }}"\n    run: x\n',
    ['3:17: only a value like ${{ branch }} or ${{ matrix.node }} can be inserted; conditions belong in if:'],
  ],
  [
    'comparing an expression',
    'steps:\n  a:\n    if: "!pr.fork == true"\n    run: x\n',
    ["3:10: '==' compares values (contexts and quoted literals), not expressions: add parentheses or use &&, ||"],
  ],
  [
    'comparing a call',
    'steps:\n  a:\n    if: always() != false\n    run: x\n',
    ["3:9: '!=' compares values (contexts and quoted literals), not expressions: add parentheses or use &&, ||"],
  ],
  [
    'bad secret reference',
    'steps:\n  a:\n    run: x\n    secrets: { TOKEN: "vault:x" }\n',
    ["4:23: TOKEN: expected a secret reference 'secretsmanager:NAME' or 'ssm:/path'"],
  ],
  [
    'ssm path without slash',
    'steps:\n  a:\n    run: x\n    secrets: { TOKEN: "ssm:ci/token" }\n',
    ["4:23: TOKEN: expected a secret reference 'secretsmanager:NAME' or 'ssm:/path'"],
  ],
  [
    'bad env name',
    'env: { 1X: a }\nsteps:\n  a:\n    run: x\n',
    ['1:8: environment variable names are letters, digits and _, not starting with a digit'],
  ],
  [
    'reserved env name',
    'steps:\n  a:\n    run: x\n    env: { SCI_BRANCH: x }\n',
    ["4:12: 'SCI_BRANCH' is reserved (SCI_ and CODEBUILD_ variables are set by serverless-ci)"],
  ],
  [
    'env and secret with one name',
    'steps:\n  a:\n    run: x\n    env: { T: x }\n    secrets: { T: "ssm:/t" }\n',
    ["5:16: 'T' is set both in env and in secrets"],
  ],
  [
    'choice default not in options',
    `on:\n  manual:\n    inputs:\n      target: { type: choice, options: [staging, prod], default: qa }\n${ok}`,
    ["4:66: input 'target': the default 'qa' is not one of the options (staging, prod)"],
  ],
  [
    'boolean default not boolean',
    `on:\n  manual:\n    inputs:\n      dry: { type: boolean, default: 'yes' }\n${ok}`,
    ["4:38: input 'dry': the default of a boolean input must be true or false"],
  ],
  [
    'options on a string input',
    `on:\n  manual:\n    inputs:\n      x: { options: [a], type: string }\n${ok}`,
    ["4:21: input 'x': options only apply to inputs of type choice"],
  ],
  ['retry too large', 'steps:\n  a:\n    run: x\n    retry: 11\n', ['4:12: retry: must be at most 10']],
  [
    'retry of the wrong type',
    'steps:\n  a:\n    run: x\n    retry: [1]\n',
    ['4:12: retry must be a number of retries (0-10) or { max, on }'],
  ],
  [
    'retry on unknown reason',
    'steps:\n  a:\n    run: x\n    retry: { max: 1, on: [crash] }\n',
    ["4:27: on: expected one of failure, timeout, got 'crash'"],
  ],
  [
    'allow_failure not boolean',
    'steps:\n  a:\n    run: x\n    allow_failure: yes\n',
    ["4:20: allow_failure: expected true or false, got 'yes'"],
  ],
  [
    'output of a step not needed',
    'steps:\n  b:\n    outputs: [v]\n    run: x\n  d:\n    run: "echo ${{ steps.b.outputs.v }}"\n',
    ["6:20: steps.b.outputs is only available to steps that need 'b' (directly or not)"],
  ],
  [
    'undeclared output',
    "steps:\n  b:\n    outputs: [version]\n    run: x\n  d:\n    needs: b\n    if: steps.b.outputs.versoin == '1'\n    run: x\n",
    ["7:9: step 'b' declares no output 'versoin' (add it to its outputs:) (did you mean 'version'?)"],
  ],
  ['output of an unknown step', 'steps:\n  d:\n    run: "echo ${{ steps.x.outputs.v }}"\n', ["3:20: unknown step 'x'"]],
  [
    'output of a matrix step',
    'steps:\n  b:\n    matrix: { n: [1] }\n    outputs: [v]\n    run: x\n  d:\n    needs: b\n    env: { V: "${{ steps.b.outputs.v }}" }\n    run: x\n',
    ["8:20: steps.b.outputs: 'b' is a matrix step, whose instances have outputs of their own"],
  ],
  [
    'steps context without outputs',
    'steps:\n  d:\n    run: "echo ${{ steps.x.v }}"\n',
    ["3:20: expression: 'steps.x.v' is not a context (use steps.STEP.outputs.NAME)"],
  ],
  [
    'bad output name',
    'steps:\n  b:\n    outputs: [my-version]\n    run: x\n',
    ['3:15: output names are letters, digits and _, not starting with a digit'],
  ],
  [
    'outputs on an approval',
    'steps:\n  b:\n    approval: {}\n    outputs: [v]\n',
    ["4:5: 'outputs' applies only to run steps"],
  ],
  [
    'empty matrix axis',
    'steps:\n  a:\n    run: x\n    matrix: { node: [] }\n',
    ['4:21: a matrix axis needs at least one value'],
  ],
  [
    'cache path with ..',
    'steps:\n  a:\n    run: x\n    cache: { key: k, paths: [node_modules, ~/../../root] }\n',
    ['4:44: a cache path must not contain .. (write it from the checkout, ~/ or /)'],
  ],
  [
    'pipeline step without name',
    'steps:\n  a:\n    pipeline: { inputs: { x: 1 } }\n',
    ["3:15: missing required key 'name'"],
  ],
  [
    'a cycle is found beside an expression error',
    'steps:\n  a:\n    needs: [b]\n    if: brnch\n    run: x\n  b:\n    needs: [a]\n    run: x\n',
    ['2:3: cycle: a → b → a', "4:9: expression: unknown context 'brnch' (did you mean 'branch'?)"],
  ],
  [
    'all problems at once',
    'stepz: 1\nsteps:\n  a:\n    run: x\n    timeout: forever\n  b:\n    needs: [c]\n    if: brnch\n    run: y\n',
    [
      "1:1: unknown key 'stepz' (did you mean 'steps'?)",
      '5:14: timeout: expected a duration like 30s, 10m, 2h or 1d',
      "7:13: unknown step 'c' in needs",
      "8:9: expression: unknown context 'brnch' (did you mean 'branch'?)",
    ],
  ],
];

for (const [name, yaml, expected] of cases) {
  test(`invalid: ${name}`, () => {
    const result = parsePipeline(FILE, yaml);
    assert.equal(result.ok, false, 'expected diagnostics');
    if (result.ok) return;
    const actual = result.diagnostics.map((d) => `${d.span?.line}:${d.span?.col}: ${d.message}`);
    assert.deepEqual(actual, expected);
    assert.ok(result.diagnostics.every((d) => d.span?.file === FILE));
  });
}

test('the table covers at least 40 invalid pipelines', () => {
  assert.ok(cases.length >= 40, `only ${cases.length} cases`);
});
