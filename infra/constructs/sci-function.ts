/**
 * One serverless-ci Lambda: a `functions/<name>.ts` entry bundled by the local esbuild (never
 * Docker), Node.js 22 on arm64, its own log group with retention, and its own role whose only
 * built-in permission is writing to that log group (no managed policies).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LAMBDA_ALIAS } from '../../src/aws/lambda-alias.ts';
import { acknowledge } from './nag.ts';

/** The Lambda entries of docs/architecture.md ("Lambda functions"). */
export const FUNCTION_NAMES = ['webhook', 'dispatcher', 'reporter', 'api', 'schedule-sync', 'scheduled'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** The repository root: bundling resolves entries, tsconfig and the lockfile from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Absolute path of a function's entry file. */
export function entryPath(name: FunctionName): string {
  return fileURLToPath(new URL(`../../functions/${name}.ts`, import.meta.url));
}

/**
 * esbuild options shared by every function (and by the bundle test, so it builds what ships).
 * ESM output needs a real `require` for the CommonJS dependencies that load Node builtins.
 */
export const BUNDLING = {
  minify: true,
  sourceMap: true,
  sourceMapMode: SourceMapMode.DEFAULT,
  sourcesContent: false,
  target: 'node22',
  format: OutputFormat.ESM,
  mainFields: ['module', 'main'],
  banner:
    "import{createRequire as __sciCreateRequire}from'node:module';const require=__sciCreateRequire(import.meta.url);",
  // Pin the SDK to the tested lockfile version instead of whatever the runtime ships.
  bundleAwsSDK: true,
  // Lambda-only credential chain: the default chain's SSO/STS/profile clients never apply there.
  esbuildArgs: Object.fromEntries(
    Object.entries(LAMBDA_ALIAS).map(([from, to]) => [`--alias:${from}`, join(PROJECT_ROOT, to)]),
  ),
  forceDockerBundling: false,
  // esbuild's per-file size table is noise in `cdk synth`; errors and warnings still show.
  logLevel: LogLevel.WARNING,
} as const;

export interface SciFunctionProps {
  name: FunctionName;
  description: string;
  logRetention: RetentionDays;
  /** @default {} (capabilities add theirs) */
  environment?: Record<string, string>;
  /** @default 512 */
  memorySize?: number;
  /** @default 30 seconds */
  timeout?: Duration;
}

/** A bundled Node.js 22 arm64 Lambda with its log group and a least-privilege role. */
export class SciFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: SciFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });
    this.role = new Role(this, 'Role', {
      description: `serverless-ci ${props.name} Lambda`,
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    });
    this.role.addToPolicy(
      new PolicyStatement({
        sid: 'OwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.fn = new NodejsFunction(this, 'Function', {
      description: props.description,
      entry: entryPath(props.name),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      role: this.role,
      logGroup: this.logGroup,
      environment: { ...(props.environment ?? {}), NODE_OPTIONS: '--enable-source-maps' },
      bundling: { ...BUNDLING, mainFields: [...BUNDLING.mainFields] },
    });
    acknowledge(
      this.fn,
      'AwsSolutions-L1',
      'Pinned to nodejs22.x, the runtime the bundles target (esbuild node22) and are tested on; moving to a newer runtime is a deliberate, tested change.',
    );
  }
}
