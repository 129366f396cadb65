/**
 * The esbuild alias every Lambda bundle uses, shared by infra (what ships) and bench/tests (what
 * is measured): the SDK's default credential chain is replaced by the Lambda-only chain in
 * `lambda-credentials.ts`. Paths are relative to the repository root. No SDK import here, so
 * `cdk synth` can read it cheaply.
 */
export const LAMBDA_ALIAS = { '@aws-sdk/credential-provider-node': './src/aws/lambda-credentials.ts' } as const;
