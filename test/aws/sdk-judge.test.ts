/** The SDK-call judge refuses what the model refuses (so the Lambda tests that use it can fail). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SFNClient, StartExecutionCommand, ListStateMachineVersionsCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { sdkCallProblems } from './api-model.ts';

test('SDK commands: a missing required member, a wrong type and an unknown member are problems; a valid call is none', async () => {
  const sfn = mockClient(SFNClient);
  sfn.onAnyCommand().resolves({});
  const client = new SFNClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  await client.send(
    new StartExecutionCommand({
      stateMachineArn: 'arn:aws:states:eu-west-1:1:stateMachine:m',
      name: 'r1',
      input: '{}',
    }),
  );
  await client.send(new StartExecutionCommand({ name: 'r2', input: {} } as never));
  await client.send(
    new ListStateMachineVersionsCommand({ stateMachineArn: 'arn', maxResults: '10', nope: 1 } as never),
  );
  assert.deepEqual(sdkCallProblems('sfn', sfn), [
    'StartExecution $.input: expected a string, got structure',
    'StartExecution $: StartExecutionInput requires StateMachineArn',
    'ListStateMachineVersions $.maxResults: expected a number, got string',
    'ListStateMachineVersions $.nope: ListStateMachineVersionsInput has no member nope (members: StateMachineArn, NextToken, MaxResults)',
  ]);
  sfn.restore();
});
