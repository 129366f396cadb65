/**
 * `dynamodb:updateItem` / `dynamodb:getItem` (optimised integrations) and the aws-sdk form: the
 * same call on the local store's DynamoDB client, after the context sentinels are replaced.
 * Service errors carry the ASL names the compiler catches.
 */
import {
  GetItemCommand,
  UpdateItemCommand,
  type GetItemCommandInput,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { TaskError } from '../errors.ts';
import { replaceSentinels } from '../sentinels.ts';
import type { EngineServices, Executor } from '../services.ts';
import { withBuildReason } from './build-failures.ts';
import { carriedAttributes, carriedWriteKey } from './carried.ts';

/** `DynamoDB.` for optimised integrations, `DynamoDb.` for `aws-sdk:dynamodb:*` (as on AWS). */
export type ErrorPrefix = 'DynamoDB' | 'DynamoDb';

function toTaskError(error: unknown, prefix: ErrorPrefix): Error {
  if (error instanceof Error && error.name && error.name !== 'Error')
    return new TaskError(`${prefix}.${error.name}`, error.message);
  return error instanceof Error ? error : new Error(String(error));
}

function withoutMetadata<T extends { $metadata?: unknown }>(response: T): Omit<T, '$metadata'> {
  const { $metadata: _ignored, ...rest } = response;
  return rest;
}

/** Sends an UpdateItem exactly as the definition wrote it (sentinels aside). */
export async function updateItem(
  input: unknown,
  services: EngineServices,
  prefix: ErrorPrefix,
  token?: string,
): Promise<unknown> {
  const params = replaceSentinels(input as UpdateItemCommandInput, {
    now: services.now().toISOString(),
    ...(token ? { token } : {}),
  });
  try {
    return withoutMetadata(await services.dynamo.send(new UpdateItemCommand(params)));
  } catch (error) {
    throw toTaskError(error, prefix);
  }
}

export async function getItem(input: unknown, services: EngineServices, prefix: ErrorPrefix): Promise<unknown> {
  const params = replaceSentinels(input as GetItemCommandInput, { now: services.now().toISOString() });
  try {
    return withoutMetadata(await services.dynamo.send(new GetItemCommand(params)));
  } catch (error) {
    throw toTaskError(error, prefix);
  }
}

export const updateItemExecutor: Executor = (input, _state, run, services) => {
  const carried = carriedWriteKey(run, input);
  return carried
    ? carriedAttributes(services, run, carried)
    : updateItem(withBuildReason(run, input), services, 'DynamoDB');
};
export const getItemExecutor: Executor = (input, _state, _run, services) => getItem(input, services, 'DynamoDB');
