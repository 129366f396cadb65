/**
 * The CDK app (`cdk.json` → `node --import tsx infra/app.ts`). Synthesis runs the AWS Solutions
 * checks of cdk-nag, so a finding that is neither fixed nor acknowledged fails `cdk synth`.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from './config.ts';
import { ServerlessCiStack } from './stack.ts';

const app = new App();
try {
  // Environment-agnostic: deploys to the account and region of the credentials `cdk deploy` uses.
  new ServerlessCiStack(app, 'ServerlessCi');
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
