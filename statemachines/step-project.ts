/**
 * The CodeBuild project every `run` step starts, as far as a build inherits from it. StartBuild
 * runs with the project's settings wherever the request has no override (API_StartBuild, cited in
 * docs/aws-review.md), so the infra creates the project with the environment and timeouts a step
 * has by default, the compiler names an image, compute type, environment type or timeout only
 * where a step differs, and the local build runner fills in these same values where one is absent.
 */
import type { Compute } from './pipeline/model.ts';
import { DEFAULT_IMAGE, DEFAULT_TIMEOUT } from './pipeline/build.ts';

/** CodeBuild's compute and environment types per pipeline `compute:`. */
export const COMPUTE: Record<Compute, { type: string; env: string }> = {
  small: { type: 'BUILD_GENERAL1_SMALL', env: 'LINUX_CONTAINER' },
  medium: { type: 'BUILD_GENERAL1_MEDIUM', env: 'LINUX_CONTAINER' },
  large: { type: 'BUILD_GENERAL1_LARGE', env: 'LINUX_CONTAINER' },
  xlarge: { type: 'BUILD_GENERAL1_XLARGE', env: 'LINUX_CONTAINER' },
  'lambda-1gb': { type: 'BUILD_LAMBDA_1GB', env: 'LINUX_LAMBDA_CONTAINER' },
  'lambda-2gb': { type: 'BUILD_LAMBDA_2GB', env: 'LINUX_LAMBDA_CONTAINER' },
  'lambda-4gb': { type: 'BUILD_LAMBDA_4GB', env: 'LINUX_LAMBDA_CONTAINER' },
  'lambda-8gb': { type: 'BUILD_LAMBDA_8GB', env: 'LINUX_LAMBDA_CONTAINER' },
  'lambda-10gb': { type: 'BUILD_LAMBDA_10GB', env: 'LINUX_LAMBDA_CONTAINER' },
};

/**
 * CodeBuild's documented bounds (test/aws/limits.ts cites them): a build's own timeout is 5–2160
 * minutes, its queue timeout 5–480; Lambda compute takes neither and ends a build at 15 minutes.
 */
export const CODEBUILD = { buildMinutes: { min: 5, max: 2160 }, queuedMinutes: 480, lambdaBuildMinutes: 15 } as const;

/**
 * The project's environment and timeouts: a step's defaults (the pipeline format's image, `compute: small`, a
 * `timeout` of one hour) and CodeBuild's longest queue, which no step overrides.
 */
export const STEP_PROJECT = {
  image: DEFAULT_IMAGE,
  computeType: COMPUTE.small.type,
  environmentType: COMPUTE.small.env,
  buildMinutes: DEFAULT_TIMEOUT / 60,
  queuedMinutes: CODEBUILD.queuedMinutes,
} as const;
