import { App } from 'aws-cdk-lib';

/**
 * An app for the stacks built only to ask aws-cdk-lib what it grants. Its built-in CloudFormation
 * validation (a WebAssembly rule engine, ~8 s of CPU to start in each test process) stays off:
 * on an app without `@aws-cdk/core:validateAgainstDefaultRules` its findings are only warnings, and
 * these stacks are CDK's own constructs, not ours. Our stack keeps it (serverless-ci.test.ts, `cdk synth`).
 */
export const judgeApp = (): App => new App({ builtinCloudFormationValidation: false });
