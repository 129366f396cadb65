/**
 * `compute: lambda-*` steps that CodeBuild's Lambda compute would refuse are errors at validate
 * time, each at the offending key (docs/aws-review.md, "compute: lambda-*").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refusalTests, type Refusal } from './refusals.ts';
import { compileSource } from '../../../statemachines/compiler/compile.ts';
import type { State, StateMachine } from '../../../statemachines/asl/types.ts';

function find(m: StateMachine, name: string): State | undefined {
  for (const [n, s] of Object.entries(m.States)) {
    if (n === name) return s;
    const inner = s.Type === 'Parallel' ? s.Branches.map((b) => find(b, name)).find(Boolean) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

const CURATED = 'aws/codebuild/amazonlinux-x86_64-lambda-standard:nodejs22';
const IMAGE =
  'Lambda compute runs a curated image (aws/codebuild/amazonlinux-x86_64-lambda-standard:nodejs22, …-aarch64-lambda-standard:…) or a single-architecture image from Amazon ECR (<account>.dkr.ecr.<region>.amazonaws.com/…), not';

const invalid: Refusal[] = [
  [
    'a Docker Hub image',
    'steps:\n  a:\n    compute: lambda-1gb\n    image: node:22\n    run: x\n',
    [`4:12: ${IMAGE} 'node:22'`],
  ],
  [
    'the default image, from defaults',
    'defaults: { compute: lambda-4gb }\nsteps:\n  a:\n    run: x\n',
    [`3:3: ${IMAGE} 'aws/codebuild/standard:7.0'`],
  ],
  [
    'a timeout over 15m, written under defaults',
    `defaults: { compute: lambda-2gb, timeout: 20m, image: "${CURATED}" }\nsteps:\n  a:\n    run: x\n`,
    ["1:43: Lambda compute ends a build at 15m; step 'a' has timeout 20m: use an EC2 size (small … xlarge)"],
  ],
  [
    'a cache',
    `steps:\n  a:\n    compute: lambda-8gb\n    image: ${CURATED}\n    cache: { key: k, paths: [x] }\n    run: x\n`,
    ["5:12: Lambda compute has no build cache: drop cache from step 'a' or use an EC2 size (small … xlarge)"],
  ],
];

refusalTests('lambda compute refuses', invalid);

test('lambda compute accepts curated and ECR images; an aarch64 image gets the ARM Lambda environment, and no timeouts are sent', () => {
  const yaml = `defaults: { compute: lambda-1gb }
steps:
  x86: { image: "${CURATED}", run: x }
  arm: { image: "aws/codebuild/amazonlinux-aarch64-lambda-standard:python3.12", run: x, timeout: 10m }
  ecr: { image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/tools:1", run: x }
`;
  const compiled = compileSource('.sci/ci.yml', yaml);
  assert.ok(compiled.ok, JSON.stringify(!compiled.ok && compiled.diagnostics));
  const params = (name: string) =>
    (find(compiled.value.definition, name) as { Parameters: Record<string, unknown> }).Parameters;
  assert.equal(params('x86').EnvironmentTypeOverride, 'LINUX_LAMBDA_CONTAINER');
  assert.equal(params('arm').EnvironmentTypeOverride, 'ARM_LAMBDA_CONTAINER');
  assert.equal(params('ecr').EnvironmentTypeOverride, 'LINUX_LAMBDA_CONTAINER');
  for (const name of ['x86', 'arm', 'ecr']) {
    assert.equal(params(name).TimeoutInMinutesOverride, undefined);
    assert.equal(params(name).QueuedTimeoutInMinutesOverride, undefined);
  }
});
