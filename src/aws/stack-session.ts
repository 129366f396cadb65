/**
 * `sci ui --stack NAME`: the adapters of a deployed stack, with the user's own credentials (the
 * SDK's default provider chain, or a named profile, as the AWS CLI resolves them). The stack's
 * outputs say where everything is: `TableName` (runs, steps, releases, read with the same run store
 * the Lambdas use) and `ApiUrl` (actions, signed); CodeBuild says where each build logs.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoRunStore } from '../store/dynamo-run-store.ts';
import { environmentTable, type EnvironmentTable } from '../store/environments.ts';
import { CodeBuildLogs } from './build-logs.ts';
import { clientConfig } from './client-config.ts';
import { functionUrlRegion, SignedApi } from './signed-api.ts';
import { readStackOutputs } from './stack-outputs.ts';

export interface StackSessionOptions {
  stack: string;
  /** @default the SDK's: AWS_REGION, then the profile's region */
  region?: string;
  /** A profile of ~/.aws/config. @default AWS_PROFILE, else the default chain */
  profile?: string;
}

export interface StackSession {
  stack: string;
  region: string;
  store: DynamoRunStore;
  environments: EnvironmentTable;
  logs: CodeBuildLogs;
  api: SignedApi;
  close(): void;
}

/** Why a stack cannot be shown, in words a user can act on. */
export class StackSessionError extends Error {
  override name = 'StackSessionError';
}

/** The outputs `sci ui --stack` reads (infra/stack.ts). */
export const UI_OUTPUTS = ['TableName', 'ApiUrl'] as const;

export async function openStackSession(options: StackSessionOptions): Promise<StackSession> {
  const credentials = fromNodeProviderChain(options.profile ? { profile: options.profile } : {});
  const base = {
    ...clientConfig,
    credentials,
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  };
  const cloudformation = new CloudFormationClient(base);
  const region = await cloudformation.config.region().catch(() => '');
  if (!region) {
    cloudformation.destroy();
    throw new StackSessionError('no region: pass --region, set AWS_REGION, or give the profile a region');
  }
  const outputs = await readStackOutputs(cloudformation, options.stack)
    .catch((error: Error) => {
      if (error.name === 'CredentialsProviderError')
        throw new StackSessionError(
          `no AWS credentials found (${error.message}): configure them as for the AWS CLI (aws configure, aws sso login) or pass --profile`,
        );
      throw new StackSessionError(
        `cannot read stack ${options.stack} in ${region}: ${error.name}: ${error.message} (your credentials need cloudformation:DescribeStacks)`,
      );
    })
    .finally(() => cloudformation.destroy());
  if (!outputs)
    throw new StackSessionError(`no stack ${options.stack} in ${region} (pass the right --stack and --region)`);
  const missing = UI_OUTPUTS.filter((name) => !outputs[name]);
  if (missing.length > 0)
    throw new StackSessionError(
      `stack ${options.stack} has no output ${missing.join(', ')}: it is older than this sci (npx cdk deploy)`,
    );
  const dynamo = new DynamoDBClient({ ...base, region });
  const codebuild = new CodeBuildClient({ ...base, region });
  const logs = new CloudWatchLogsClient({ ...base, region });
  return {
    stack: options.stack,
    region,
    store: new DynamoRunStore(DynamoDBDocumentClient.from(dynamo), outputs.TableName!),
    environments: environmentTable(dynamo, outputs.TableName!),
    logs: new CodeBuildLogs(codebuild, logs),
    api: new SignedApi({ url: outputs.ApiUrl!, credentials, region: functionUrlRegion(outputs.ApiUrl!) ?? region }),
    close: () => {
      for (const client of [dynamo, codebuild, logs]) client.destroy();
    },
  };
}
