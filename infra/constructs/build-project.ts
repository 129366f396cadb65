/**
 * The one CodeBuild project every `run` step starts (architecture.md, "A run step"): each build
 * overrides source, buildspec, artifacts and cache, and image, compute and timeout where the step
 * differs from the project's (statemachines/step-project.ts), so the project fixes its role, its
 * logs, the steps' default environment and timeouts.
 * It is an L1 resource on purpose: the L2 `Project` grants its role report groups, a second
 * log group and read/write on the whole cache bucket, none of which a step needs.
 */
import { Stack } from 'aws-cdk-lib';
import { CfnProject } from 'aws-cdk-lib/aws-codebuild';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { STEP_PROJECT } from '../../statemachines/step-project.ts';
import { ecrRepositoriesArn, parametersArn, secretsArn } from './arns.ts';
import { acknowledge, acknowledgeWildcards } from './nag.ts';
import { ARTIFACT_PREFIX, CACHE_PREFIX, UNTRUSTED_ARTIFACT_PREFIX, UNTRUSTED_CACHE_PREFIX } from './storage.ts';

export interface BuildProjectProps {
  artifactBucket: Bucket;
  logRetention: RetentionDays;
  /** Secrets Manager name prefix steps may read, e.g. `sci/`. */
  secretsPrefix: string;
  /** SSM parameter path prefix steps may read, e.g. `/sci/`. */
  parametersPrefix: string;
}

/**
 * The shared step project and its two service roles. Every build names its role
 * (`ServiceRoleOverride`, from the execution input): `role` for trusted runs, `untrustedRole` for
 * runs a fork's pull request started, which reads no secret and writes only the untrusted
 * namespace of the bucket (docs/security.md, "On AWS").
 */
export class BuildProject extends Construct {
  readonly project: CfnProject;
  readonly role: Role;
  readonly untrustedRole: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: BuildProjectProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });
    this.role = new Role(this, 'Role', {
      description:
        'serverless-ci step builds: artifacts/cache bucket, own logs, step secrets under the configured prefixes',
      assumedBy: this.codebuild(),
      inlinePolicies: { Steps: this.policy(props) },
    });
    this.untrustedRole = new Role(this, 'UntrustedRole', {
      description:
        'serverless-ci builds of untrusted runs (pull requests from forks): no secrets, own artifact and cache namespace',
      assumedBy: this.codebuild(),
      inlinePolicies: { UntrustedSteps: this.untrustedPolicy(props) },
    });
    this.project = this.createProject(props);
    this.project.node.addDependency(this.role);
    this.acknowledgeFindings(props);
  }

  /** CodeBuild of this account only (confused-deputy guard). */
  private codebuild(): ServicePrincipal {
    return new ServicePrincipal('codebuild.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
    });
  }

  /** The ARN of the project, for grants. */
  get projectArn(): string {
    return this.project.attrArn;
  }

  /** The name builds are started with (`BUILD_PROJECT`). */
  get projectName(): string {
    return this.project.ref;
  }

  private createProject(props: BuildProjectProps): CfnProject {
    return new CfnProject(this, 'Project', {
      description: 'serverless-ci steps; every build is started by a pipeline state machine with per-step overrides',
      serviceRole: this.role.roleArn,
      // No source and no source credentials: each build overrides the source with the run's
      // repository and commit. Started by hand, the project refuses with a message.
      source: {
        type: 'NO_SOURCE',
        buildSpec:
          'version: 0.2\nphases:\n  build:\n    commands:\n      - echo "this project only runs steps started by serverless-ci" >&2\n      - exit 1\n',
      },
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: {
        // A step's defaults: its build names only what differs (statemachines/step-project.ts).
        type: STEP_PROJECT.environmentType,
        image: STEP_PROJECT.image,
        computeType: STEP_PROJECT.computeType,
        privilegedMode: false,
        imagePullCredentialsType: 'CODEBUILD',
      },
      cache: { type: 'S3', location: `${props.artifactBucket.bucketName}/${CACHE_PREFIX.slice(0, -1)}` },
      logsConfig: {
        cloudWatchLogs: { status: 'ENABLED', groupName: this.logGroup.logGroupName },
        s3Logs: { status: 'DISABLED' },
      },
      timeoutInMinutes: STEP_PROJECT.buildMinutes,
      queuedTimeoutInMinutes: STEP_PROJECT.queuedMinutes,
    });
  }

  private acknowledgeFindings(props: BuildProjectProps): void {
    acknowledge(
      this.project,
      'AwsSolutions-CB4',
      'Build outputs go to the artifact bucket (SSE-S3) and CloudWatch Logs; a customer managed KMS key would add a fixed monthly cost for no isolation a single-tenant CI needs (docs/cost.md).',
    );
    const bucket = props.artifactBucket;
    acknowledgeWildcards(this.role, [
      {
        resource: bucket.arnForObjects(`${ARTIFACT_PREFIX}*`),
        reason:
          'Steps write artifacts under runs/<runId>/ and read those of the steps they need; run ids exist only at run time.',
      },
      {
        resource: bucket.arnForObjects(`${CACHE_PREFIX}*`),
        reason: 'Step caches live under cache/<key>; pipelines choose the keys at run time.',
      },
      {
        resource: secretsArn(this, props.secretsPrefix),
        reason: `Steps read only secrets named ${props.secretsPrefix}*, the documented home of pipeline secrets whose names pipeline authors choose.`,
      },
      {
        resource: parametersArn(this, props.parametersPrefix),
        reason: `Steps read only parameters under ${props.parametersPrefix}, the documented home of pipeline parameters.`,
      },
      {
        resource: '*',
        reason:
          "ecr:GetAuthorizationToken supports no resource-level permissions; the pulls themselves are limited to this account's repositories.",
      },
      {
        resource: ecrRepositoriesArn(this),
        reason:
          'Step images may come from any ECR repository of this account, named in pipeline files (image:); pull actions only.',
      },
    ]);
    acknowledgeWildcards(this.untrustedRole, [
      {
        resource: bucket.arnForObjects(`${UNTRUSTED_ARTIFACT_PREFIX}*`),
        reason:
          "Untrusted builds write artifacts under untrusted/runs/<runId>/ only; run ids exist only at run time, and IAM sees no run in a build's session (docs/security.md).",
      },
      {
        resource: bucket.arnForObjects(`${UNTRUSTED_CACHE_PREFIX}*`),
        reason:
          'Untrusted builds keep caches apart from trusted ones, under untrusted/cache/; keys are chosen at run time.',
      },
    ]);
  }

  /** What a build of an untrusted run may do: its logs and the untrusted namespace. No secrets, parameters or ECR. */
  private untrustedPolicy(props: BuildProjectProps): PolicyDocument {
    return new PolicyDocument({
      statements: this.logsAndStorage(
        props.artifactBucket,
        'UntrustedArtifactsAndCache',
        UNTRUSTED_ARTIFACT_PREFIX,
        UNTRUSTED_CACHE_PREFIX,
      ),
    });
  }

  /** What every build may do: write its logs, and read and write its namespace's artifacts and cache. */
  private logsAndStorage(
    bucket: BuildProjectProps['artifactBucket'],
    sid: string,
    artifacts: string,
    cache: string,
  ): PolicyStatement[] {
    return [
      new PolicyStatement({
        sid: 'OwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
      new PolicyStatement({
        sid,
        actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
        resources: [bucket.arnForObjects(`${artifacts}*`), bucket.arnForObjects(`${cache}*`)],
      }),
      new PolicyStatement({
        sid: 'ArtifactBucketLocation',
        actions: ['s3:GetBucketAcl', 's3:GetBucketLocation'],
        resources: [bucket.bucketArn],
      }),
      listArtifacts(bucket, artifacts),
    ];
  }

  private policy(props: BuildProjectProps): PolicyDocument {
    const bucket = props.artifactBucket;
    return new PolicyDocument({
      statements: [
        ...this.logsAndStorage(bucket, 'ArtifactsAndCache', ARTIFACT_PREFIX, CACHE_PREFIX),
        new PolicyStatement({
          sid: 'StepSecrets',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [secretsArn(this, props.secretsPrefix)],
        }),
        // Images from private ECR repositories of this account, pulled with the project's role
        // (imagePullCredentialsType SERVICE_ROLE, which cross-account and `compute: lambda-*` ECR images need).
        new PolicyStatement({ sid: 'EcrAuth', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
        new PolicyStatement({
          sid: 'EcrPull',
          actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
          resources: [ecrRepositoriesArn(this)],
        }),
        new PolicyStatement({
          sid: 'StepParameters',
          actions: ['ssm:GetParameters'],
          resources: [parametersArn(this, props.parametersPrefix)],
        }),
      ],
    });
  }
}

/**
 * The artifact pull reads a need that kept nothing as a missing object. S3 answers a missing key
 * with 404 only to a caller who may list the bucket, and 403 otherwise (GetObject, "Permissions");
 * it evaluates that listing with the requested key as `s3:prefix`, so a listing confined to the
 * role's artifact prefix is enough (docs/aws-review.md, "Missing artifacts read as 404").
 */
function listArtifacts(bucket: Bucket, prefix: string): PolicyStatement {
  return new PolicyStatement({
    sid: 'ListArtifacts',
    actions: ['s3:ListBucket'],
    resources: [bucket.bucketArn],
    conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
  });
}
