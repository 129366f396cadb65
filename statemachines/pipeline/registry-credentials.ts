/**
 * `image: { name, credentials }` (Docker Hub's anonymous pull limits, private registries): what
 * CodeBuild accepts, checked before anything deploys. A registry credential needs
 * `imagePullCredentialsType: SERVICE_ROLE`, and "images cannot be curated or an Amazon ECR image"
 * (https://docs.aws.amazon.com/codebuild/latest/APIReference/API_RegistryCredential.html); Lambda
 * compute runs only curated or ECR images (lambda-compute.ts), so it takes no registry credentials.
 * Whether the secret lies under the readable prefix is secret-prefix.ts's job, as for `secrets`.
 */
import type { Diagnostic } from '../diagnostics.ts';
import type { Pipeline, RunStep, SecretRef } from './model.ts';
import { ECR, literalPrefix } from './lambda-compute.ts';

/** Why `step`'s image takes no registry credentials, or undefined when it may. */
function imageProblem(step: RunStep): string | undefined {
  const { text } = literalPrefix(step.image);
  if (text.startsWith('aws/codebuild/'))
    return `'${text}' is a CodeBuild curated image, which CodeBuild pulls with its own credentials: drop credentials`;
  if (ECR.test(text))
    return `'${text}' is in Amazon ECR, which the step role pulls from with IAM (no registry credentials): drop credentials`;
  if (/^public\.ecr\.aws\//.test(text))
    return `'${text}' is on Amazon ECR Public, which serves images without a login (and CodeBuild takes no credentials for ECR): drop credentials`;
  if (step.compute.startsWith('lambda-'))
    return `Lambda compute (${step.compute}) pulls only curated or Amazon ECR images, which take no registry credentials`;
  return undefined;
}

/** Every step whose image credentials CodeBuild would refuse, at the credentials' position (a default's once). */
export function checkRegistryCredentials(pipeline: Pipeline): Diagnostic[] {
  const problems = new Map<string, Diagnostic>();
  for (const step of pipeline.steps) {
    const ref: SecretRef | undefined = step.kind === 'run' ? step.imageCredentials : undefined;
    if (step.kind !== 'run' || !ref) continue;
    const message = imageProblem(step);
    if (!message) continue;
    const inherited = ref === pipeline.defaults.imageCredentials;
    const path = inherited ? ['defaults', 'image', 'credentials'] : ['steps', step.name, 'image', 'credentials'];
    problems.set(`${ref.span.line}:${ref.span.col}:${message}`, {
      code: 'registry-credentials',
      message,
      path,
      span: ref.span,
    });
  }
  return [...problems.values()];
}
