/**
 * What CodeBuild's Lambda compute (`compute: lambda-*`) accepts, checked before anything deploys
 * (docs/aws-review.md, "compute: lambda-*"): a curated Lambda image or a single-architecture ECR
 * image, at most 15 minutes per build (it takes no timeout of its own), and no cache.
 * Sources: https://docs.aws.amazon.com/codebuild/latest/userguide/lambda.html and
 * aws-cdk-lib's `Project.validateLambdaBuildImage` / `LinuxLambdaBuildImage.validate`.
 */
import type { Diagnostic, SourceSpan } from '../diagnostics.ts';
import type { Pipeline, RunStep, Template } from './model.ts';
import { keySpanOf, spanOf, type Path, type YamlSource } from './yaml-source.ts';

/** Lambda builds end at 15 minutes. */
export const LAMBDA_MAX_SECONDS = 15 * 60;

/** `aws/codebuild/amazonlinux-<arch>-lambda-standard:<runtime>`: CodeBuild's curated Lambda images. */
export const CURATED = /^aws\/codebuild\/amazonlinux-(x86_64|aarch64)-lambda-standard:\S+$/;
/** A private ECR repository: `<account>.dkr.ecr.<region>.amazonaws.com/<name>[:tag|@digest]`. */
export const ECR = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\//;

/** The image's architecture when a curated Lambda image names it; undefined for ECR images (x86_64 unless built otherwise). */
export function lambdaImageArch(image: string): 'x86_64' | 'aarch64' | undefined {
  return CURATED.exec(image)?.[1] as 'x86_64' | 'aarch64' | undefined;
}

/** The literal text before the first `${{ }}` of a template: enough to tell a registry. */
export function literalPrefix(t: Template): { text: string; whole: boolean } {
  let text = '';
  for (const part of t.parts) {
    if (!('text' in part)) return { text, whole: false };
    text += part.text;
  }
  return { text, whole: true };
}

function imageProblem(image: Template): string | undefined {
  const { text, whole } = literalPrefix(image);
  if (CURATED.test(text) || ECR.test(text)) return undefined;
  if (!whole && (/^aws\/codebuild\/amazonlinux-(x86_64|aarch64)-lambda-standard:/.test(text) || ECR.test(text)))
    return undefined;
  return (
    `Lambda compute runs a curated image (aws/codebuild/amazonlinux-x86_64-lambda-standard:nodejs22, ` +
    `…-aarch64-lambda-standard:…) or a single-architecture image from Amazon ECR (<account>.dkr.ecr.<region>.amazonaws.com/…), not '${text}'`
  );
}

/** Where a step's setting is written: on the step, else under `defaults`, else the step itself. */
function setting(source: YamlSource, step: RunStep, key: string): { path: Path; span: SourceSpan; written: boolean } {
  const onStep =
    (source.data as { steps?: Record<string, Record<string, unknown> | null> }).steps?.[step.name]?.[key] !== undefined;
  const defaulted = (source.data as { defaults?: Record<string, unknown> | null }).defaults?.[key] !== undefined;
  const path: Path = onStep ? ['steps', step.name, key] : defaulted ? ['defaults', key] : ['steps', step.name];
  return {
    path,
    span: onStep || defaulted ? spanOf(source, path) : keySpanOf(source, path),
    written: onStep || defaulted,
  };
}

const minutes = (seconds: number): string => (seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`);

/** Every problem of the `lambda-*` steps of one pipeline. */
export function checkLambdaCompute(source: YamlSource, pipeline: Pipeline): Diagnostic[] {
  const problems: Diagnostic[] = [];
  for (const step of pipeline.steps) {
    if (step.kind !== 'run' || !step.compute.startsWith('lambda-')) continue;
    const at = (key: string, message: string) => {
      const { path, span } = setting(source, step, key);
      problems.push({ code: 'lambda-compute', message, path, span });
    };
    const image = imageProblem(step.image);
    if (image) at('image', image);
    // an unwritten timeout is Lambda's own 15 minutes
    if (step.timeout > LAMBDA_MAX_SECONDS && setting(source, step, 'timeout').written) {
      at(
        'timeout',
        `Lambda compute ends a build at 15m; step '${step.name}' has timeout ${minutes(step.timeout)}: use an EC2 size (small … xlarge)`,
      );
    }
    if (step.cache)
      at(
        'cache',
        `Lambda compute has no build cache: drop cache from step '${step.name}' or use an EC2 size (small … xlarge)`,
      );
  }
  return problems;
}
