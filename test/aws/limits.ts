/**
 * Documented limits the API models leave out (the SDK models carry names, types, required
 * members and enums, not ranges or item counts), each with the page that states it. The judge
 * applies them to every integration Task next to the model check.
 */
import type { ModelProblem } from './api-model.ts';

type Params = Record<string, unknown>;

export interface Limit {
  /** `<service>:<Operation>` it applies to. */
  operation: string;
  rule: string;
  source: string;
  check(params: Params): boolean;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const within = (v: unknown, min: number, max: number): boolean =>
  num(v) === undefined || (num(v)! >= min && num(v)! <= max);
const lambda = (p: Params): boolean => String(p.ComputeTypeOverride ?? '').startsWith('BUILD_LAMBDA_');

export const LIMITS: Limit[] = [
  {
    operation: 'codebuild:StartBuild',
    rule: 'secondarySourcesOverride: at most 12 items',
    source:
      'https://docs.aws.amazon.com/codebuild/latest/APIReference/API_StartBuild.html#CodeBuild-StartBuild-request-secondarySourcesOverride',
    check: (p) => !Array.isArray(p.SecondarySourcesOverride) || p.SecondarySourcesOverride.length <= 12,
  },
  {
    operation: 'codebuild:StartBuild',
    rule: 'timeoutInMinutesOverride: 5 to 2160',
    source:
      'https://docs.aws.amazon.com/codebuild/latest/APIReference/API_StartBuild.html#CodeBuild-StartBuild-request-timeoutInMinutesOverride',
    check: (p) => within(p.TimeoutInMinutesOverride, 5, 2160),
  },
  {
    operation: 'codebuild:StartBuild',
    rule: 'queuedTimeoutInMinutesOverride: 5 to 480',
    source:
      'https://docs.aws.amazon.com/codebuild/latest/APIReference/API_StartBuild.html#CodeBuild-StartBuild-request-queuedTimeoutInMinutesOverride',
    check: (p) => within(p.QueuedTimeoutInMinutesOverride, 5, 480),
  },
  {
    operation: 'codebuild:StartBuild',
    rule: 'Lambda compute takes no build timeout, no queued timeout and no cache (builds end at 15 minutes)',
    source:
      'https://docs.aws.amazon.com/codebuild/latest/userguide/lambda.html#lambda.limitations (and aws-cdk-lib Project.validateLambdaBuildImage)',
    check: (p) =>
      !lambda(p) ||
      (p.TimeoutInMinutesOverride === undefined &&
        p.QueuedTimeoutInMinutesOverride === undefined &&
        p.CacheOverride === undefined),
  },
  {
    operation: 'codebuild:StartBuild',
    rule: 'a Lambda compute type goes with a Lambda environment type, an EC2 one with a container one',
    source: 'https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-compute-types.html',
    check: (p) =>
      p.ComputeTypeOverride === undefined ||
      lambda(p) === ['LINUX_LAMBDA_CONTAINER', 'ARM_LAMBDA_CONTAINER'].includes(String(p.EnvironmentTypeOverride)),
  },
  {
    operation: 'codebuild:StartBuild',
    rule: 'a GitHub source version with a ref names the full commit: refs/...^{<40 hex>} (or a run-time value)',
    source: 'https://docs.aws.amazon.com/codebuild/latest/userguide/sample-source-version.html',
    check: (p) =>
      p.SourceVersion === undefined || /^(refs\/\S+\^\{[0-9a-f]{40}\}|[0-9a-f]{40})$/.test(String(p.SourceVersion)),
  },
  {
    operation: 'codebuild:StartBuild',
    rule: 'a registry credential needs imagePullCredentialsType SERVICE_ROLE and an image that is neither curated nor in Amazon ECR',
    source: 'https://docs.aws.amazon.com/codebuild/latest/APIReference/API_RegistryCredential.html',
    check: (p) =>
      p.RegistryCredentialOverride === undefined ||
      (p.ImagePullCredentialsTypeOverride === 'SERVICE_ROLE' &&
        !/^(aws\/codebuild\/|public\.ecr\.aws\/|\d{12}\.dkr\.ecr\.)/.test(String(p.ImageOverride ?? 'aws/codebuild/'))),
  },
  {
    operation: 'sfn:StartExecution',
    rule: 'name: 1 to 80 characters',
    source:
      'https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html#StepFunctions-StartExecution-request-name',
    check: (p) => p.Name === undefined || (String(p.Name).length >= 1 && String(p.Name).length <= 80),
  },
];

/** Problems of one operation's parameters against the documented limits. */
export function limitProblems(operation: string, params: Params): ModelProblem[] {
  return LIMITS.filter((l) => l.operation === operation && !l.check(params)).map((l) => ({
    path: '$',
    message: `${l.rule} (${l.source})`,
  }));
}
