/**
 * aws-sdk-client-mock's `mockClient` on one client object, never on a class: only that object's `send` is replaced,
 * so a test file whose mocks all go through here patches nothing of its process that another file uses, and may share
 * the process with the other files of its directory (scripts/shared-processes.mjs keeps a file calling `mockClient`
 * itself, which may patch a client class's prototype for the whole process, in a process of its own).
 */
import type { Client, MetadataBearer } from '@smithy/types';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';

export function mockInstance<TInput extends object, TOutput extends MetadataBearer, TConfiguration>(
  client: Client<TInput, TOutput, TConfiguration>,
): AwsStub<TInput, TOutput, TConfiguration> {
  if (typeof client === 'function') throw new TypeError('mockInstance mocks a client object, not a client class');
  return mockClient(client);
}
