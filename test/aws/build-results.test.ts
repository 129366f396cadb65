/**
 * The reporter's CodeBuild reader (aws-sdk-client-mock): `BatchGetBuilds` in batches of 100 ids,
 * the input judged by the SDK's own API model; each answer back under the id the step holds
 * (the event's build ARN), with its status and environment variables.
 */
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { BatchGetBuildsCommand, CodeBuildClient } from '@aws-sdk/client-codebuild';
import { CodeBuildResults } from '../../src/aws/build-results.ts';
import { sdkCallProblems } from './api-model.ts';

const codebuild = mockClient(CodeBuildClient);
beforeEach(() => codebuild.reset());

const arn = (n: number) => `arn:aws:codebuild:eu-west-1:123456789012:build/sci-steps:0000000${n}-aaaa`;

test('BatchGetBuilds by build id, 100 at a time; answers keyed by the ARN the step holds', async () => {
  codebuild.on(BatchGetBuildsCommand).callsFake((input: { ids: string[] }) => ({
    builds: input.ids.map((id, i) => ({
      id,
      arn: `arn:aws:codebuild:eu-west-1:123456789012:build/${id}`,
      buildStatus: i === 0 ? 'SUCCEEDED' : 'FAILED',
      environment: {
        type: 'LINUX_CONTAINER',
        image: 'node:22',
        computeType: 'BUILD_GENERAL1_SMALL',
        environmentVariables: [{ name: 'SCI_STEP_KEY', value: `k${i}`, type: 'PLAINTEXT' }],
      },
    })),
  }));
  const ids = Array.from({ length: 101 }, (_, i) => arn(i));
  const results = await new CodeBuildResults(new CodeBuildClient({ region: 'eu-west-1' })).describe(ids);
  const calls = codebuild.commandCalls(BatchGetBuildsCommand).map((c) => c.args[0].input.ids!);
  assert.deepEqual(
    calls.map((c) => c.length),
    [100, 1],
  );
  assert.equal(calls[0]![0], 'sci-steps:00000000-aaaa');
  assert.equal(results.length, 101);
  assert.deepEqual(results[0], { id: arn(0), status: 'SUCCEEDED', variables: { SCI_STEP_KEY: 'k0' } });
  assert.deepEqual(sdkCallProblems('codebuild', codebuild), []);
});
