/**
 * A step's terminal status write: one `dynamodb:updateItem` that persists the status in
 * the run store AND (through `ResultSelector`/`ResultPath`) sets `$.steps.<key>` for the
 * Choice states downstream, so one state both persists and routes.
 */
import { RESOURCES, type Json, type PassState, type TaskState } from '../asl/types.ts';
import { stepSk, stepSourcesFor } from '../lifecycle.ts';
import type { StepStatus } from '../pipeline/model.ts';
import { itemKey, needPath, type InstanceInfo, type Scope } from './scope.ts';
import { outputsSelector, outputsValue } from './outputs.ts';

/** `{ S: 'text' }` or `{ 'S.$': 'path or intrinsic' }`. */
export type StringValue = { literal: string } | { expr: string };

/** The name of a failed condition: `DynamoDB.` from an optimized integration, `DynamoDb.` from `aws-sdk:dynamodb:*`. */
export const CONDITIONAL_FAILED = [
  'DynamoDB.ConditionalCheckFailedException',
  'DynamoDb.ConditionalCheckFailedException',
];
/** A status write is an optimized integration: only its spelling can come back. */
const WRITE_CONDITIONAL_FAILED = CONDITIONAL_FAILED.slice(0, 1);
export const WRITE_TIMEOUT = 60;

/** One-letter placeholders of the statuses a step write may move from (the write is repeated per outcome per step). */
const FROM_PLACEHOLDER: Partial<Record<StepStatus, string>> = { pending: ':p', running: ':u', waiting: ':w' };

/** The lifecycle's sources of `to` as a condition; a missing item is written too (below). */
function fromCondition(to: StepStatus): { expression: string; values: Record<string, Json> } {
  const sources = stepSourcesFor(to);
  const names = sources.map((from) => FROM_PLACEHOLDER[from] as string);
  return {
    expression: `attribute_not_exists(#s) OR #s IN (${names.join(', ')})`,
    values: Object.fromEntries(sources.map((from, i) => [names[i], { S: from }])),
  };
}

export function dynamoString(v: StringValue): Record<string, Json> {
  return 'literal' in v ? { S: v.literal } : { 'S.$': v.expr };
}

function declaredOutputs(info: InstanceInfo): string[] {
  return info.inst.step.kind === 'run' ? info.inst.step.outputs : [];
}

function emptyOutputs(names: string[]): Record<string, Json> {
  return names.length > 0 ? { outputs: Object.fromEntries(names.map((n) => [n, ''])) } : {};
}

/**
 * `succeeded` when no step this one needs, directly or not, failed; else `failed`.
 * Every step records that "chain" next to its status, so a step only reads its direct
 * needs: the number of distinct values among `succeeded` and their chains is 1 or 2.
 */
export function upstreamChain(scope: Scope, info: InstanceInfo): StringValue {
  const paths = info.needKeys.map((n) => needPath(scope, info.key, n, 'chain'));
  if (paths.length === 0) return { literal: 'succeeded' };
  if (paths.length === 1) return { expr: paths[0]! };
  const distinct = `States.ArrayLength(States.ArrayUnique(States.Array('succeeded', ${paths.join(', ')})))`;
  return { expr: `States.ArrayGetItem(States.Array('none', 'succeeded', 'failed'), ${distinct})` };
}

/** The write of terminal `status` with `reason`; `settled` is where a lost write goes. */
export function statusWrite(
  scope: Scope,
  info: InstanceInfo,
  write: { status: 'succeeded' | 'failed' | 'skipped'; reason: StringValue; settled: string; next: string },
): TaskState {
  const declared = declaredOutputs(info);
  // Only a success has outputs; every other record still holds each one (empty), so a step that
  // runs anyway (`always()`) reads '' rather than failing the execution on a missing path.
  const outputs = write.status === 'succeeded' ? declared : [];
  const chain: StringValue = write.status === 'failed' ? { literal: 'failed' } : upstreamChain(scope, info);
  // A success has no reason; an empty string is not a value every DynamoDB accepts.
  const hasReason = !('literal' in write.reason && write.reason.literal === '');
  const from = fromCondition(write.status);
  // One-letter placeholders: this state is repeated for every outcome of every step.
  const values: Record<string, Json> = {
    ':s': { S: write.status },
    ...(hasReason ? { ':r': dynamoString(write.reason) } : {}),
    ':e': { 'S.$': '$$.State.EnteredTime' },
    ':c': dynamoString(chain),
    ...from.values,
    ...(outputs.length > 0 ? { ':o': outputsValue(info.key, outputs) } : {}),
  };
  return {
    Type: 'Task',
    Resource: RESOURCES.updateItem,
    Parameters: {
      TableName: scope.target.tableName,
      Key: itemKey(stepSk(info.key)),
      UpdateExpression: `SET #s = :s, endedAt = :e, chain = :c${outputs.length > 0 ? ', outputs = :o' : ''}${hasReason ? ', reason = :r' : ' REMOVE reason'}`,
      // Never moves a step backwards: a cancelled run's steps stay cancelled. A missing item is
      // written (a child run started by Step Functions itself may not have its items yet).
      ConditionExpression: from.expression,
      // `status` is a DynamoDB reserved word; the other attributes are not (docs/compiler.md).
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: values,
      ReturnValues: 'UPDATED_NEW',
    },
    ResultSelector: {
      'status.$': '$.Attributes.status.S',
      'chain.$': '$.Attributes.chain.S',
      ...(outputs.length > 0 ? outputsSelector(outputs) : emptyOutputs(declared)),
    },
    ResultPath: `$.steps.${info.key}`,
    TimeoutSeconds: WRITE_TIMEOUT,
    Retry: [
      { ErrorEquals: WRITE_CONDITIONAL_FAILED, MaxAttempts: 0 },
      // IntervalSeconds 1 and BackoffRate 2 are ASL's defaults (bytes count: one per outcome per step).
      { ErrorEquals: ['States.TaskFailed'], MaxAttempts: 3 },
    ],
    Catch: [{ ErrorEquals: ['States.ALL'], Next: write.settled, ResultPath: null }],
    Next: write.next,
  };
}

/**
 * Where a write goes when the item was already terminal (the run was cancelled) or the
 * store is unreachable: the step counts as cancelled, so nothing downstream runs on it.
 */
export function settledPass(info: InstanceInfo, next: string): PassState {
  return {
    Type: 'Pass',
    Result: { status: 'cancelled', chain: 'failed', ...emptyOutputs(declaredOutputs(info)) },
    ResultPath: `$.steps.${info.key}`,
    Next: next,
  };
}
