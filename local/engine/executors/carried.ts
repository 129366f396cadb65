/**
 * A redrive's carried steps (they succeeded before): their tasks answer as they did without
 * running again, and their status writes leave the record as it stands, answering with it, so
 * the state flows on exactly as in the first attempt and the store keeps that attempt's record.
 */
import { GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { runPk, STEP_PREFIX, stepSk } from '../../../statemachines/lifecycle.ts';
import type { EngineServices, TaskRun } from '../services.ts';

/** The carried step a `STEP#<key>` write targets, if it targets one. */
export function carriedWriteKey(run: TaskRun, input: unknown): string | undefined {
  const sk = (input as { Key?: { sk?: { S?: unknown } } }).Key?.sk?.S;
  if (typeof sk !== 'string' || !sk.startsWith(STEP_PREFIX)) return undefined;
  const key = sk.slice(STEP_PREFIX.length);
  return run.carried?.has(key) ? key : undefined;
}

/** The carried step's item as a `ReturnValues` answer: its status, chain and outputs. */
export async function carriedAttributes(
  services: EngineServices,
  run: TaskRun,
  key: string,
): Promise<{ Attributes: Record<string, AttributeValue> }> {
  const { Item } = await services.dynamo.send(
    new GetItemCommand({
      TableName: services.tableName,
      Key: { pk: { S: runPk(run.runId) }, sk: { S: stepSk(key) } },
      ConsistentRead: true,
      ProjectionExpression: '#s, #c, #o, #d, #b',
      ExpressionAttributeNames: { '#s': 'status', '#c': 'chain', '#o': 'outputs', '#d': 'decision', '#b': 'decidedBy' },
    }),
  );
  return { Attributes: Item ?? {} };
}

/** What `.sync` returns for a build: the carried step's outputs as its exported variables. */
export async function carriedBuild(services: EngineServices, run: TaskRun, key: string): Promise<unknown> {
  const { Attributes } = await carriedAttributes(services, run, key);
  const outputs = Attributes.outputs?.M ?? {};
  return {
    Build: {
      Id: `carried:${key}`,
      BuildStatus: 'SUCCEEDED',
      ExportedEnvironmentVariables: Object.entries(outputs).map(([name, value]) => ({
        Name: `SCI_OUT_${name}`,
        Value: value.S ?? '',
      })),
    },
  };
}
