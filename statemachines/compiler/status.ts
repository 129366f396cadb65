/**
 * A step's terminal status write: one `dynamodb:updateItem` that persists the status in
 * the run store AND (through `ResultSelector`/`ResultPath`) sets `$.steps.<key>` for the
 * Choice states downstream, so one state both persists and routes.
 */
import { RESOURCES, type ChoiceRule, type Json, type PassState, type TaskState } from '../asl/types.ts';
import { OPEN_STEP_MARK, stepSk } from '../lifecycle.ts';
import { STATUS_FUNCTIONS, walkExpr } from '../pipeline/expressions.ts';
import type { Expr, Step } from '../pipeline/model.ts';
import { itemKey, needPath, type InstanceInfo, type Scope } from './scope.ts';
import { outputsSelector, outputsValue } from './outputs.ts';

/**
 * A field only a success record has (`$.steps.<key>.ok`): a redrive carries the steps whose record
 * from the attempt before has it (step.ts), one `IsPresent` where a status test needs two rules (a
 * Choice on an absent path fails the execution, and a first attempt has no records before).
 */
export const SUCCEEDED_MARK = { ok: true } as const;

/** `{ S: 'text' }` or `{ 'S.$': 'path or intrinsic' }`. */
export type StringValue = { literal: string } | { expr: string };

/**
 * The name of a failed condition from the optimized integration (`arn:aws:states:::dynamodb:*`). An
 * `aws-sdk:dynamodb:*` Task names it `DynamoDb.` (`SDK_CONDITIONAL_FAILED`): each Task catches the
 * one name its resource throws (docs/compiler.md, "Why it is race-free").
 */
export const CONDITIONAL_FAILED = ['DynamoDB.ConditionalCheckFailedException'];
/** The same error from an `aws-sdk:dynamodb:*` Task: the SDK's service name in PascalCase, `DynamoDb`. */
export const SDK_CONDITIONAL_FAILED = ['DynamoDb.ConditionalCheckFailedException'];
export const WRITE_TIMEOUT = 60;

/**
 * The lifecycle's sources of a terminal status as a condition (every terminal status has the same:
 * whatever is not terminal yet, so one end write serves failures and skips), by the one text they
 * all contain and no terminal status does (lifecycle.ts): one value instead of one per status, in a
 * state repeated for every step. A missing item is written too (below).
 */
const FROM_CONDITION = {
  expression: 'attribute_not_exists(#s) OR contains(#s, :o)',
  values: { ':o': { S: OPEN_STEP_MARK } },
};

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
 * `running`: the chain as the step's build and success write see it, a literal when
 * `runsOnlyAfterSuccess` (below) knows it.
 */
export function upstreamChain(scope: Scope, info: InstanceInfo, running = false): StringValue {
  const paths = info.needKeys.map((n) => needPath(scope, info.key, n, 'chain'));
  if (paths.length === 0) return { literal: 'succeeded' };
  if (running && runsOnlyAfterSuccess(scope, info)) return { literal: 'succeeded' };
  if (paths.length === 1) return { expr: paths[0]! };
  const distinct = `States.ArrayLength(States.ArrayUnique(States.Array('succeeded', ${paths.join(', ')})))`;
  return { expr: `States.ArrayGetItem(States.Array('none', 'succeeded', 'failed'), ${distinct})` };
}

/** Per scope and per predicate, what `upstreamHolds` found for each step. */
type StepPredicate = (scope: Scope, info: InstanceInfo) => boolean;
const upstream = new WeakMap<Scope, Map<StepPredicate, Map<string, boolean>>>();

/**
 * Whether `own` holds for step `info` and for every step it needs, directly or not (a need outside
 * the scope never does). Depth first without recursion: a chain of thousands of steps is that deep.
 */
function upstreamHolds(scope: Scope, info: InstanceInfo, own: StepPredicate): boolean {
  const byPredicate = upstream.get(scope) ?? new Map<StepPredicate, Map<string, boolean>>();
  upstream.set(scope, byPredicate);
  const known = byPredicate.get(own) ?? new Map<string, boolean>();
  byPredicate.set(own, known);
  const stack = [info];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (known.has(top.key)) {
      stack.pop();
      continue;
    }
    if (!own(scope, top) || !top.needKeys.every((n) => scope.byKey.has(n))) {
      known.set(top.key, false);
      stack.pop();
      continue;
    }
    const open = top.needKeys.filter((n) => !known.has(n));
    if (open.length > 0) {
      stack.push(...open.map((n) => scope.byKey.get(n)!));
      continue;
    }
    known.set(
      top.key,
      top.needKeys.every((n) => known.get(n)),
    );
    stack.pop();
  }
  return known.get(info.key)!;
}

/** `success()` (a step's default `if`), or a condition that reads no status and so implies it. */
function successOnly(condition: Expr): boolean {
  if (isSuccessCall(condition)) return true;
  return ![...walkExpr(condition)].some((e) => e.kind === 'call' && STATUS_FUNCTIONS.has(e.name));
}

/** Exactly `success()`: the `if` of a step that does not write one. */
export function isSuccessCall(condition: Expr): boolean {
  return condition.kind === 'call' && condition.name === 'success' && condition.args.length === 0;
}

/** Its `if` implies success() of its needs, none of which may fail and count as done (`allow_failure`). */
const ranAfterSuccess: StepPredicate = (scope, i) =>
  successOnly(i.inst.step.if) && i.needKeys.every((n) => !scope.byKey.get(n)?.inst.step.allowFailure);

/**
 * Whether the step runs only when every step it needs, directly or not, succeeded: its `if` reads
 * no status (so success() of its needs is implied), no need may fail and count as done
 * (`allow_failure`), and the same holds for each need. Such a step's chain is `succeeded` whenever
 * it runs, with no record to read (a chain of default steps: most pipelines).
 */
function runsOnlyAfterSuccess(scope: Scope, info: InstanceInfo): boolean {
  return upstreamHolds(scope, info, ranAfterSuccess);
}

/**
 * Its one reason to skip is a need that did not succeed: its `if` is `success()`, and it has no
 * other guard (secrets or registry credentials for untrusted runs, an environment's branches).
 */
const skipsOnlyForNeeds: StepPredicate = (_scope, i) => {
  const step = i.inst.step;
  return isSuccessCall(step.if) && !skipsWhenUntrusted(step) && !step.branches;
};

/** A step an untrusted run skips: it reads secrets, or pulls its image with registry credentials (step.ts's guard). */
export function skipsWhenUntrusted(step: Step): boolean {
  return step.kind === 'run' && (Object.keys(step.secrets).length > 0 || step.imageCredentials !== undefined);
}

/**
 * The chain of a step skipped because a need did not succeed, when the plan knows it: `failed` when
 * every need, and every step they need, can be skipped only for that reason too. Such a need that
 * did not succeed failed, was cancelled or was skipped after a failure upstream: its chain is
 * `failed` whatever happened, and the skip reads no record for it (a DAG of default steps).
 */
export function needsSkipChain(scope: Scope, info: InstanceInfo): StringValue | undefined {
  const known = info.needKeys.every(
    (n) => scope.byKey.has(n) && upstreamHolds(scope, scope.byKey.get(n)!, skipsOnlyForNeeds),
  );
  return info.needKeys.length > 0 && known ? { literal: 'failed' } : undefined;
}

/**
 * Whether step `info` never reads a need's chain: it runs only after every step upstream succeeded
 * (its own chain is then the literal `succeeded`) and its one skip follows a failure upstream (the
 * literal `failed`, `needsSkipChain`). Its gate then carries the need's status alone (gate.ts).
 */
export function readsNoNeedChain(scope: Scope, info: InstanceInfo): boolean {
  return (
    runsOnlyAfterSuccess(scope, info) && skipsOnlyForNeeds(scope, info) && needsSkipChain(scope, info) !== undefined
  );
}

/**
 * The record a step's build leaves at `$.steps.<key>` through its ResultSelector when the build's own
 * success event records the success in the run store (lifecycle.ts `SUCCESS_BY_BUILD`), else
 * undefined: a `run` step without outputs (storing outputs is the machine's write) whose chain when
 * it runs is a literal (a ResultSelector sees only the build, not the needs' records).
 */
export function successByBuild(
  scope: Scope,
  info: InstanceInfo,
): { status: 'succeeded'; chain: string; ok: true } | undefined {
  if (info.inst.step.kind !== 'run' || info.inst.step.outputs.length > 0) return undefined;
  const chain = upstreamChain(scope, info, true);
  return 'literal' in chain ? { status: 'succeeded', chain: chain.literal, ...SUCCEEDED_MARK } : undefined;
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
    write.status === 'failed' ? { literal: 'failed' } : upstreamChain(scope, info, write.status === 'succeeded');
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
  ending: {
    status: 'failed' | 'skipped';
    reason: StringValue;
    write: string;
    key?: string | undefined;
    /** The chain when the plan knows it (`needsSkipChain`), else read from the needs' records. */
    chain?: StringValue | undefined;
  },
): PassState {
  const chain: StringValue =
    ending.status === 'failed' ? { literal: 'failed' } : (ending.chain ?? upstreamChain(scope, info));
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
  const from = FROM_CONDITION;
  const readBack = !('literal' in v.status && 'literal' in v.chain) || JSON.stringify(write.selector).includes('.$"');
  const field = (name: string, value: StringValue, attribute: string): Record<string, Json> =>
    'literal' in value ? { [name]: value.literal } : { [`${name}.$`]: attribute };
  // One-letter placeholders: this state is repeated for every outcome of every step.
  const values: Record<string, Json> = {
    ':s': dynamoString(v.status),
    ...(v.reason ? { ':r': dynamoString(v.reason) } : {}),
    ':e': { 'S.$': '$$.State.EnteredTime' },
    ':c': dynamoString(v.chain),
    ...from.values,
    ...(v.outputs !== undefined ? { ':u': v.outputs } : {}),
  };
  return {
    Type: 'Task',
    Resource: RESOURCES.updateItem,
    Parameters: {
      TableName: scope.target.tableName,
      Key: write.key,
      // No `REMOVE reason` on a success: an open step has none (a redrive's reopening removes it, src/store/reopen-run.ts).
      UpdateExpression: `SET #s = :s, endedAt = :e, chain = :c${v.outputs !== undefined ? ', outputs = :u' : ''}${v.reason ? ', reason = :r' : ''}`,
      // Never moves a step backwards: a cancelled run's steps stay cancelled. A missing item is
      // written (a child run started by Step Functions itself may not have its items yet).
      ConditionExpression: from.expression,
      // `status` is a DynamoDB reserved word; the other attributes are not (docs/compiler.md).
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: values,
      // Read back what the state cannot know itself (ResultSelector sees only the result).
      ...(readBack ? { ReturnValues: 'UPDATED_NEW' } : {}),
    },
    // A write that succeeded wrote its status and chain: literal ones need no reading back.
    ResultSelector: {
      ...field('status', v.status, '$.Attributes.status.S'),
      ...field('chain', v.chain, '$.Attributes.chain.S'),
      ...('literal' in v.status && v.status.literal === 'succeeded' ? SUCCEEDED_MARK : {}),
      ...write.selector,
    },
    ResultPath: write.resultPath,
    TimeoutSeconds: WRITE_TIMEOUT,
    Retry: [
      { ErrorEquals: CONDITIONAL_FAILED, MaxAttempts: 0 },
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
