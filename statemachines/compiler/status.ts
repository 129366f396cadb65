/**
 * A step's terminal status write: one `dynamodb:updateItem` that persists the status in
 * the run store AND (through `ResultSelector`/`ResultPath`) sets `$.steps.<key>` for the
 * Choice states downstream, so one state both persists and routes.
 */
import { RESOURCES, type ChoiceRule, type Json, type PassState, type TaskState } from '../asl/types.ts';
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

/**
 * The lifecycle's sources of a terminal status as a condition (every terminal status has the same:
 * whatever is not terminal yet, so one end write serves failures and skips); a missing item is
 * written too (below).
 */
function fromCondition(): { expression: string; values: Record<string, Json> } {
  const sources = stepSourcesFor('succeeded');
  const names = sources.map((from) => FROM_PLACEHOLDER[from] as string);
  return {
    expression: `attribute_not_exists(#s) OR #s IN (${names.join(', ')})`,
    values: Object.fromEntries(sources.map((from, i) => [names[i], { S: from }])),
  };
}

export function dynamoString(v: StringValue): Record<string, Json> {
  return 'literal' in v ? { S: v.literal } : { 'S.$': v.expr };
}

export function declaredOutputs(info: InstanceInfo): string[] {
  return info.inst.step.kind === 'run' ? info.inst.step.outputs : [];
}

export function emptyOutputs(names: string[]): Record<string, Json> {
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

/** The chain of a step that runs: the constant `succeeded` where nothing before it can have failed. */
export function runningChain(scope: Scope, info: InstanceInfo): StringValue {
  return scope.cleanUpstream.has(info.key) ? { literal: 'succeeded' } : upstreamChain(scope, info);
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
  const chain: StringValue =
    write.status === 'failed'
      ? { literal: 'failed' }
      : write.status === 'succeeded'
        ? runningChain(scope, info)
        : upstreamChain(scope, info);
  // A success has no reason; an empty string is not a value every DynamoDB accepts.
  const hasReason = !('literal' in write.reason && write.reason.literal === '');
  return terminalWrite(scope, info, {
    status: { literal: write.status },
    reason: hasReason ? write.reason : undefined,
    chain,
    outputs,
    settled: write.settled,
    next: write.next,
  });
}

/** Where an ending outcome leaves its status, reason and chain for the step's end write. */
export const ENDING = '$.end';

/**
 * An outcome that is not a success (failed, timed out, rejected, each kind of skip): a Pass that
 * records its status, reason and chain at `$.end`, then enters the step's one end write (`endWrite`).
 * A Pass is about 200 bytes against 1,000 for a write, and these outcomes are off the hot path.
 */
export function endingPass(
  scope: Scope,
  info: InstanceInfo,
  ending: { status: 'failed' | 'skipped'; reason: StringValue; write: string; key?: string | undefined },
): PassState {
  const chain: StringValue = ending.status === 'failed' ? { literal: 'failed' } : upstreamChain(scope, info);
  const field = (name: string, v: StringValue): Record<string, Json> =>
    'literal' in v ? { [name]: v.literal } : { [`${name}.$`]: v.expr };
  return {
    Type: 'Pass',
    Parameters: {
      ...(ending.key !== undefined ? { k: ending.key } : {}),
      s: ending.status,
      ...field('r', ending.reason),
      ...field('c', chain),
    },
    ResultPath: ENDING,
    Next: ending.write,
  };
}

/** The write every `endingPass` of a step (with the same next state) shares. */
export function endWrite(scope: Scope, info: InstanceInfo, settled: string, next: string): TaskState {
  return terminalWrite(scope, info, {
    status: { expr: `${ENDING}.s` },
    reason: { expr: `${ENDING}.r` },
    chain: { expr: `${ENDING}.c` },
    outputs: [],
    settled,
    next,
  });
}

function terminalWrite(
  scope: Scope,
  info: InstanceInfo,
  write: {
    status: StringValue;
    reason: StringValue | undefined;
    chain: StringValue;
    outputs: string[];
    settled: string;
    next: string;
  },
): TaskState {
  const { outputs } = write;
  return statusTask(scope, {
    key: itemKey(stepSk(info.key)),
    values: {
      status: write.status,
      reason: write.reason,
      chain: write.chain,
      ...(outputs.length > 0 ? { outputs: outputsValue(info.key, outputs) } : {}),
    },
    selector: outputs.length > 0 ? outputsSelector(outputs) : emptyOutputs(declaredOutputs(info)),
    resultPath: `$.steps.${info.key}`,
    settled: write.settled,
    next: write.next,
  });
}

/**
 * A terminal status write of the item `key`: a conditional `updateItem` whose result (status, chain
 * and `selector`) lands at `resultPath`. Shared by the steps' own writes and a scope's shared end
 * write (ending.ts).
 */
export function statusTask(
  scope: Scope,
  write: {
    key: Record<string, Json>;
    values: { status: StringValue; reason: StringValue | undefined; chain: StringValue; outputs?: Json };
    selector: Record<string, Json>;
    resultPath: string;
    settled: string;
    next: string;
  },
): TaskState {
  const { values: v } = write;
  const from = fromCondition();
  // One-letter placeholders: this state is repeated for every outcome of every step.
  const values: Record<string, Json> = {
    ':s': dynamoString(v.status),
    ...(v.reason ? { ':r': dynamoString(v.reason) } : {}),
    ':e': { 'S.$': '$$.State.EnteredTime' },
    ':c': dynamoString(v.chain),
    ...from.values,
    ...(v.outputs !== undefined ? { ':o': v.outputs } : {}),
  };
  return {
    Type: 'Task',
    Resource: RESOURCES.updateItem,
    Parameters: {
      TableName: scope.target.tableName,
      Key: write.key,
      UpdateExpression: `SET #s = :s, endedAt = :e, chain = :c${v.outputs !== undefined ? ', outputs = :o' : ''}${v.reason ? ', reason = :r' : ' REMOVE reason'}`,
      // Never moves a step backwards: a cancelled run's steps stay cancelled. A missing item is
      // written (a child run started by Step Functions itself may not have its items yet).
      ConditionExpression: from.expression,
      // `status` is a DynamoDB reserved word; the other attributes are not (docs/compiler.md).
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: values,
      ReturnValues: 'UPDATED_NEW',
    },
    // A write that succeeded wrote its status: a literal one needs no reading back.
    ResultSelector: {
      ...('literal' in v.status ? { status: v.status.literal } : { 'status.$': '$.Attributes.status.S' }),
      'chain.$': '$.Attributes.chain.S',
      ...write.selector,
    },
    ResultPath: write.resultPath,
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

/**
 * The rule "one of `keys` failed" (a step with `allow_failure` never counts; a key that names no step, a part's
 * summary, always does), or undefined when none can fail the run.
 */
export function failedRule(scope: Scope, keys: string[]): ChoiceRule | undefined {
  const rules: ChoiceRule[] = keys
    .filter((k) => !scope.byKey.get(k)?.inst.step.allowFailure)
    .map((k) => ({ Variable: `$.steps.${k}.status`, StringEquals: 'failed' }));
  if (rules.length === 0) return undefined;
  return rules.length === 1 ? rules[0] : { Or: rules };
}
