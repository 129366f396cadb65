/**
 * `image: { name, credentials }`: what CodeBuild refuses is an error at validate time, at the
 * credentials' position (docs/aws-review.md, "Docker Hub credentials"); a secret outside the
 * readable prefix is found like any other secret reference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePipeline } from '../../../statemachines/pipeline/parse.ts';
import { refusalTests, type Refusal } from './refusals.ts';
import { secretsOutsidePrefix, DEFAULT_SECRET_PREFIXES } from '../../../statemachines/pipeline/secret-prefix.ts';
import type { Pipeline, RunStep } from '../../../statemachines/pipeline/model.ts';

const HUB = 'credentials: "secretsmanager:sci/hub"';

const invalid: Refusal[] = [
  [
    'a curated image',
    `steps:\n  a:\n    image: { name: aws/codebuild/standard:7.0, ${HUB} }\n    run: x\n`,
    [
      "3:61: 'aws/codebuild/standard:7.0' is a CodeBuild curated image, which CodeBuild pulls with its own credentials: drop credentials",
    ],
  ],
  [
    'a private ECR image, under defaults (said once for every step)',
    `defaults:\n  image: { name: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:\${{ branch }}", ${HUB} }\nsteps:\n  a: { run: x }\n  b: { run: y }\n`,
    [
      "2:97: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:' is in Amazon ECR, which the step role pulls from with IAM (no registry credentials): drop credentials",
    ],
  ],
  [
    'an ECR Public image',
    `steps:\n  a:\n    image:\n      name: public.ecr.aws/docker/library/node:22\n      ${HUB}\n    run: x\n`,
    [
      "5:20: 'public.ecr.aws/docker/library/node:22' is on Amazon ECR Public, which serves images without a login (and CodeBuild takes no credentials for ECR): drop credentials",
    ],
  ],
  [
    'Lambda compute (which its own check refuses a Docker Hub image for, too)',
    `steps:\n  a:\n    compute: lambda-1gb\n    image: { name: node:22, ${HUB} }\n    run: x\n`,
    [
      "4:12: Lambda compute runs a curated image (aws/codebuild/amazonlinux-x86_64-lambda-standard:nodejs22, …-aarch64-lambda-standard:…) or a single-architecture image from Amazon ECR (<account>.dkr.ecr.<region>.amazonaws.com/…), not 'node:22'",
      '4:42: Lambda compute (lambda-1gb) pulls only curated or Amazon ECR images, which take no registry credentials',
    ],
  ],
  [
    'an SSM parameter or a JSON key (CodeBuild reads Secrets Manager names and ARNs only)',
    `steps:\n  a:\n    image: { name: node:22, credentials: "ssm:/sci/hub" }\n    run: x\n  b:\n    image: { name: node:22, credentials: "secretsmanager:sci/hub:password" }\n    run: x\n`,
    [
      "3:42: credentials must be a Secrets Manager secret, 'secretsmanager:NAME' or 'secretsmanager:ARN' (CodeBuild reads registry credentials from Secrets Manager only)",
      "6:42: credentials must be a Secrets Manager secret, 'secretsmanager:NAME' or 'secretsmanager:ARN' (CodeBuild reads registry credentials from Secrets Manager only)",
    ],
  ],
  [
    'a misspelt key',
    `steps:\n  a:\n    image: { name: node:22, credential: "secretsmanager:sci/hub" }\n    run: x\n`,
    ["3:29: unknown key 'credential' (did you mean 'credentials'?)"],
  ],
];

refusalTests('image credentials: refuses', invalid);

test('image credentials: a step inherits the default image with its credentials; a step image of its own drops them', () => {
  const result = parsePipeline(
    '.sci/ci.yml',
    `defaults: { image: { name: "node:22", ${HUB} } }\nsteps:\n  a: { run: x }\n  b: { image: "node:20", run: y }\n  c: { image: { name: "ghcr.io/o/t:1", credentials: "secretsmanager:ci/ghcr" }, run: z }\n`,
  );
  assert.ok(result.ok, JSON.stringify(!result.ok && result.diagnostics));
  const steps = result.value.steps as RunStep[];
  assert.deepEqual(
    steps.map((s) => [s.name, s.image.parts, s.imageCredentials?.id]),
    [
      ['a', [{ text: 'node:22' }], 'sci/hub'],
      ['b', [{ text: 'node:20' }], undefined],
      ['c', [{ text: 'ghcr.io/o/t:1' }], 'ci/ghcr'],
    ],
  );
  // the dispatcher refuses (sci validate warns about) credentials the step role cannot read
  assert.deepEqual(
    secretsOutsidePrefix(result.value as Pipeline, DEFAULT_SECRET_PREFIXES).map(
      (d) => `${d.span?.line}:${d.span?.col}: ${d.path.join('.')}: ${d.message}`,
    ),
    [
      "5:53: steps.c.image.credentials: secret 'ci/ghcr' is outside 'sci/', the only prefix steps may read on AWS: store it as 'sci/ci/ghcr'",
    ],
  );
});
