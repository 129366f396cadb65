/**
 * The deployable stack: one {@link ServerlessCi} plus the outputs a user needs after
 * `cdk deploy` (endpoints, table, console links).
 */
import { CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ConfigError, readConfig } from './config.ts';
import { ServerlessCi } from './serverless-ci.ts';

/** serverless-ci in one stack, configured from the `sci:*` context. */
export class ServerlessCiStack extends Stack {
  readonly ci: ServerlessCi;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, { description: 'serverless-ci: CI/CD on Step Functions, CodeBuild and DynamoDB', ...props });
    const config = readConfig(this.node);
    // The derived secret names start with "<stack name>/": no step may read them.
    if (
      !(config.githubSecretName && config.webhookSecretName) &&
      `${this.stackName}/`.startsWith(config.secretsPrefix)
    ) {
      throw new ConfigError(
        `invalid serverless-ci configuration: the stack name ${this.stackName} puts its own secrets under "sci:secretsPrefix" (${config.secretsPrefix}); rename the stack or the prefix`,
      );
    }
    this.ci = new ServerlessCi(this, 'Ci', config);
    // One tag on everything, for cost allocation (activate it once in the Billing console).
    Tags.of(this).add('app', 'serverless-ci');
    const region = this.region;
    const consoleBase = `https://${region}.console.aws.amazon.com`;
    new CfnOutput(this, 'WebhookUrl', {
      value: this.ci.functions.webhookUrl.url,
      description: 'GitHub webhook payload URL (content type application/json)',
    });
    new CfnOutput(this, 'ApiUrl', {
      value: this.ci.functions.apiUrl.url,
      description:
        'API for manual runs, approvals, cancel, promote and rollback (SigV4; callers need lambda:InvokeFunctionUrl and lambda:InvokeFunction)',
    });
    new CfnOutput(this, 'ApiFunctionArn', {
      value: this.ci.functions.byName.api.fn.functionArn,
      description:
        'The api function: grant callers lambda:InvokeFunctionUrl and lambda:InvokeFunction on it (docs/deploy.md, "The API")',
    });
    new CfnOutput(this, 'TableName', { value: this.ci.storage.table.tableName, description: 'Run store (DynamoDB)' });
    new CfnOutput(this, 'ArtifactBucketName', {
      value: this.ci.storage.artifactBucket.bucketName,
      description: 'Step artifacts and caches',
    });
    new CfnOutput(this, 'BuildProjectName', {
      value: this.ci.build.projectName,
      description: 'CodeBuild project that runs every step',
    });
    new CfnOutput(this, 'WebhookSecretArn', {
      value: this.ci.secrets.webhook.secretArn,
      description: 'Paste its value into the GitHub webhook',
    });
    new CfnOutput(this, 'GitHubSecretArn', {
      value: this.ci.secrets.github.secretArn,
      description: 'Put the GitHub token or App credentials here',
    });
    new CfnOutput(this, 'DeliveriesDlqUrl', {
      value: this.ci.functions.deadLetterQueue.queueUrl,
      description: 'Pushes the dispatcher failed on 5 times',
    });
    new CfnOutput(this, 'FailedEventsQueueUrl', {
      value: this.ci.functions.failedEvents.queueUrl,
      description: 'Build/execution events and scheduled starts that failed every retry',
    });
    new CfnOutput(this, 'ScheduleSyncFunctionName', {
      value: this.ci.functions.byName['schedule-sync'].fn.functionName,
      description: 'Re-syncs the schedules of one repository on demand',
    });
    new CfnOutput(this, 'StateMachinesConsole', {
      value: `${consoleBase}/states/home?region=${region}#/statemachines?search=sci-`,
      description: 'Step Functions console: the state machine list, searched for sci- (one per pipeline)',
    });
    new CfnOutput(this, 'BuildLogsConsole', {
      value: `${consoleBase}/codesuite/codebuild/projects/${this.ci.build.projectName}/history?region=${region}`,
      description: 'CodeBuild history of every step',
    });
  }
}
