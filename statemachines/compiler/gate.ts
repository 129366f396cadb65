/**
 * Cross-branch DAG gates. A gated step waits on a task token it stores on an item of the run; the
 * steps it waits for, after their final status write, write that item with `ReturnValues: ALL_NEW`
 * (their signal) and release the token they read back. DynamoDB applies the writes on one item one
 * at a time, so exactly one side sees both "the needs have ended" and "a token is there":
 *  - the gate write first: the signal that completes the item reads the token and sends success;
 *  - the signals first: the gate's condition fails and the gate reads the item instead of waiting.
 *
 * Two items, by how many needs a step waits for through its gate:
 *  - ONE (the usual case): the need's own wait item, `GATE#<need>#<attempt>`, shared by every step
 *    that waits for that need alone (up to SHARED_WAITERS). Each stores its token as `t_<its key>`
 *    unless the need's status is there; the need writes its record once (status `s`, chain `c` only
 *    when one of those steps reads it, outputs `o` a map of strings) and releases each token it read
 *    back. One signal per need, whatever the number of steps waiting.
 *  - several: the step's own counter, `GATE#<key>#all#<attempt>`: each need ADDs 1 to `done` and
 *    stores its record; the k-th signal releases the step's token (`done < k` conditions its gate).
 * Attribute names are identifiers (keys are `[A-Za-z0-9_]`), none a DynamoDB reserved word.
 */
import { RESOURCES, type ChoiceRule, type Json, type Retrier, type State, type TaskState } from '../asl/types.ts';
import { declaredOutputs, readsNoNeedChain, SDK_CONDITIONAL_FAILED, WRITE_TIMEOUT } from './status.ts';
import { itemKeyAt, type Scope } from './scope.ts';
import { gateSk } from '../lifecycle.ts';
import { CONTEXT } from './run-context.ts';
import { gatePath } from './visibility.ts';

const THROTTLED = [
  'DynamoDB.ProvisionedThroughputExceededException',
  'DynamoDB.ThrottlingException',
  'DynamoDB.RequestLimitExceeded',
];

/**
 * An item of this attempt, `GATE#<key>#<attempt>`: a redrive's gates start from nothing without
 * waiting for anything to delete the ones of the attempt that failed (src/store/reopen-run.ts).
 */
function attemptKey(key: string): Record<string, Json> {
  return itemKeyAt(`${gateSk(key)}#`, `${CONTEXT}.attempt`);
}

/** The wait item of need `need`, for the steps that wait for it alone. */
const waitItem = (need: string) => attemptKey(need);

/** The counter of step `key`, which waits for several needs. */
const counterItem = (key: string) => attemptKey(`${key}#all`);

/**
 * At most this many steps share a need's wait item: their tokens (up to 2,048 characters each) are in
 * the item, under DynamoDB's 400 KB, and in what its signal reads back into the state, under Step
 * Functions' 256 KiB (payload.ts counts them). Any more wait for it through counters of their own.
 */
export const SHARED_WAITERS = 16;

/** The steps that wait for `need` alone through its wait item. */
export function waitItemWaiters(scope: Scope, need: string): string[] {
  const all = scope.signals.get(need) ?? [];
  return all.filter((w) => scope.gates.get(w)!.length === 1).slice(0, SHARED_WAITERS);
}

/** Whether step `key`'s gate is the wait item of its one need (else a counter of its own). */
export function gatesOnWaitItem(scope: Scope, key: string): boolean {
  const needs = scope.gates.get(key) ?? [];
  return needs.length === 1 && waitItemWaiters(scope, needs[0]!).includes(key);
}

/** Steps that wait for `need` through its wait item, and those that wait for it through their counters. */
function waiters(scope: Scope, need: string): { alone: string[]; joint: string[] } {
  const alone = waitItemWaiters(scope, need);
  return { alone, joint: (scope.signals.get(need) ?? []).filter((w) => !alone.includes(w)) };
}

const outputsOf = (scope: Scope, key: string): string[] => declaredOutputs(scope.byKey.get(key)!);

/** Whether step `key` reads its needs' chains (else its wait item's record is the status and outputs alone). */
const readsChain = (scope: Scope, key: string): boolean => !readsNoNeedChain(scope, scope.byKey.get(key)!);

/**
 * A need's record as DynamoDB attributes (`s` status, `c` chain, `o` a map of its outputs): typed
 * strings, never JSON text, so a release never sends JSON text inside the JSON text of its output
 * and a gate read needs no intrinsic (aws-local-stepfunctions drops every backslash from an
 * intrinsic's string result).
 */
function recordValues(scope: Scope, key: string, chain = true): Record<string, Json> {
  const outputs = outputsOf(scope, key);
  return {
    s: { 'S.$': `$.steps.${key}.status` },
    ...(chain ? { c: { 'S.$': `$.steps.${key}.chain` } } : {}),
    ...(outputs.length > 0
      ? { o: { M: Object.fromEntries(outputs.map((n) => [n, { 'S.$': `$.steps.${key}.outputs.${n}` }])) } }
      : {}),
  };
}

/** `recordValues` under `prefix` back into the need's record. */
function recordSelector(scope: Scope, need: string, prefix: string, chain = true): Record<string, Json> {
  const outputs = outputsOf(scope, need);
  return {
    'status.$': `${prefix}.s.S`,
    ...(chain ? { 'chain.$': `${prefix}.c.S` } : {}),
    ...(outputs.length > 0
      ? { outputs: Object.fromEntries(outputs.map((n) => [`${n}.$`, `${prefix}.o.M.${n}.S`])) }
      : {}),
  };
}

/** The gate Task and its read for one item; both leave their result at `resultPath`. */
function gatePair(
  scope: Scope,
  names: { gate: string; read: string },
  item: {
    key: Record<string, Json>;
    token: string;
    condition: string;
    values?: Record<string, Json>;
    waited?: Record<string, Json>;
    read: Record<string, Json>;
  },
  resultPath: string,
  next: string,
  failed: string,
  states: Record<string, State>,
): string {
  states[names.gate] = {
    Type: 'Task',
    Resource: RESOURCES.updateItemWaitForToken,
    Parameters: {
      TableName: scope.target.tableName,
      Key: item.key,
      UpdateExpression: `SET ${item.token} = :token`,
      ConditionExpression: item.condition,
      ExpressionAttributeValues: { ':token': { 'S.$': '$$.Task.Token' }, ...item.values },
    },
    ...(item.waited ? { ResultSelector: item.waited } : {}),
    ResultPath: resultPath,
    TimeoutSeconds: scope.runBound,
    Catch: [
      { ErrorEquals: SDK_CONDITIONAL_FAILED, Next: names.read, ResultPath: null },
      { ErrorEquals: ['States.ALL'], Next: failed, ResultPath: '$.error' },
    ],
    Next: next,
  };
  states[names.read] = {
    Type: 'Task',
    Resource: RESOURCES.getItem,
    Parameters: { TableName: scope.target.tableName, Key: item.key, ConsistentRead: true },
    ResultSelector: item.read,
    ResultPath: resultPath,
    TimeoutSeconds: WRITE_TIMEOUT,
    Retry: [{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 3 }], // 1 s, ×2: ASL's defaults
    Catch: [{ ErrorEquals: ['States.ALL'], Next: failed, ResultPath: '$.error' }],
    Next: next,
  };
  return names.gate;
}

/**
 * The gate of step `key`: returns its start state. It leaves the needs' records where
 * `gatePath` says; `failed` receives `$.error` when the gate itself fails.
 */
export function emitGate(
  scope: Scope,
  key: string,
  stem: string,
  next: string,
  failed: string,
  states: Record<string, State>,
): string {
  const needs = scope.gates.get(key)!;
  const names = { gate: scope.names.claim(stem, 'gate'), read: scope.names.claim(stem, 'gate read') };
  const [first] = needs as [string];
  if (gatesOnWaitItem(scope, key)) {
    // The release's output is the need's record itself.
    const item = { key: waitItem(first), token: `t_${key}`, condition: 'attribute_not_exists(s)' };
    return gatePair(
      scope,
      names,
      { ...item, read: recordSelector(scope, first, '$.Item', readsChain(scope, key)) },
      gatePath(key, needs, first),
      next,
      failed,
      states,
    );
  }
  // A counter; of one need when its wait item has SHARED_WAITERS already: then the record itself.
  const selector = (prefix: string) =>
    needs.length === 1
      ? recordSelector(scope, first, `${prefix}need_${first}.M`)
      : Object.fromEntries(needs.map((n) => [n, recordSelector(scope, n, `${prefix}need_${n}.M`)]));
  const item = {
    key: counterItem(key),
    token: 'taskToken',
    condition: 'attribute_not_exists(done) OR done < :k',
    values: { ':k': { N: String(needs.length) } },
    waited: selector('$.'),
    read: selector('$.Item.'),
  };
  const resultPath = needs.length === 1 ? gatePath(key, needs, first) : `$.gates.${key}`; // each need's at `gatePath`
  return gatePair(scope, names, item, resultPath, next, failed, states);
}

/**
 * What step `key` does after its final status write when steps wait for it through gates: one
 * signal to its wait item for the steps that wait for it alone, one to the counter of each step
 * that waits for it and others, each followed by a Choice "its token was there" and a release;
 * returns the first state (or `next` when nobody waits for it).
 */
export function emitSignals(
  scope: Scope,
  key: string,
  stem: string,
  next: string,
  states: Record<string, State>,
): string {
  const { alone, joint } = waiters(scope, key);
  const afterJoint = joint.reduceRight((after, gated) => signalCounter(scope, key, gated, stem, after, states), next);
  if (alone.length === 0) return afterJoint;
  const releases = alone.reduceRight(
    (after, gated) =>
      readyAndRelease(
        scope,
        stem,
        gated,
        { token: `$.signal.item.t_${gated}`, output: `States.JsonToString($.steps.${key})` },
        after,
        states,
      ),
    afterJoint,
  );
  const signal = scope.names.claim(stem, 'signal');
  // The chain only when a step waiting for it alone reads it (status.ts `readsNoNeedChain`).
  const values = recordValues(
    scope,
    key,
    alone.some((w) => readsChain(scope, w)),
  );
  states[signal] = signalTask(
    scope,
    waitItem(key),
    {
      expression: `SET ${Object.keys(values)
        .map((a) => `${a} = :${a}`)
        .join(', ')}`,
      values: Object.fromEntries(Object.entries(values).map(([a, v]) => [`:${a}`, v])),
    },
    // The same values again: a retry is harmless, and reads back every token stored before it.
    [{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 3 }], // 1 s, ×2: ASL's defaults
    releases,
    afterJoint,
  );
  return signal;
}

/**
 * A signal: the update of a gate item, which reads the item back to `$.signal.item` (where
 * `readyAndRelease` finds the token) and goes to `ready`; a failed one goes on to `after`.
 */
function signalTask(
  scope: Scope,
  item: Record<string, Json>,
  update: { expression: string; values: Record<string, Json> },
  retry: Retrier[],
  ready: string,
  after: string,
): TaskState {
  return {
    Type: 'Task',
    Resource: RESOURCES.updateItem,
    Parameters: {
      TableName: scope.target.tableName,
      Key: item,
      UpdateExpression: update.expression,
      ExpressionAttributeValues: update.values,
      ReturnValues: 'ALL_NEW',
    },
    ResultSelector: { 'item.$': '$.Attributes' },
    ResultPath: '$.signal',
    TimeoutSeconds: WRITE_TIMEOUT,
    Retry: retry,
    Catch: [{ ErrorEquals: ['States.ALL'], Next: after, ResultPath: null }],
    Next: ready,
  };
}

/** `<gated> ready?` (the token is in the signal's result, `rule` holds) → `release <gated>` → `after`. */
function readyAndRelease(
  scope: Scope,
  stem: string,
  gated: string,
  send: { token: string; output: string; rule?: ChoiceRule },
  after: string,
  states: Record<string, State>,
): string {
  const gatedName = scope.byKey.get(gated)!.inst.name;
  const ready = scope.names.claim(stem, `${gatedName} ready?`);
  const release = scope.names.claim(stem, `release ${gatedName}`);
  const hasToken = { Variable: send.token, IsPresent: true };
  states[ready] = {
    Type: 'Choice',
    Choices: [{ ...(send.rule ? { And: [send.rule, hasToken] } : hasToken), Next: release }],
    Default: after,
  };
  states[release] = {
    Type: 'Task',
    Resource: RESOURCES.sendTaskSuccess,
    Parameters: { 'TaskToken.$': `${send.token}.S`, 'Output.$': send.output },
    ResultPath: null,
    TimeoutSeconds: WRITE_TIMEOUT,
    Catch: [{ ErrorEquals: ['States.ALL'], Next: after, ResultPath: null }],
    Next: after,
  };
  return ready;
}

/** Step `key`'s signal to the counter of `gated`, which waits for it and other needs. */
function signalCounter(
  scope: Scope,
  key: string,
  gated: string,
  stem: string,
  after: string,
  states: Record<string, State>,
): string {
  const gatedName = scope.byKey.get(gated)!.inst.name;
  const signal = scope.names.claim(stem, `signal ${gatedName}`);
  const k = scope.gates.get(gated)!.length;
  const ready = readyAndRelease(
    scope,
    stem,
    gated,
    {
      token: '$.signal.item.taskToken',
      output: 'States.JsonToString($.signal.item)',
      rule: { Variable: '$.signal.item.done.N', StringEquals: String(k) },
    },
    after,
    states,
  );
  states[signal] = signalTask(
    scope,
    counterItem(gated),
    {
      expression: `ADD done :one SET need_${key} = :need`,
      values: { ':one': { N: '1' }, ':need': { M: recordValues(scope, key) } },
    },
    // Only errors that guarantee nothing was written are retried: ADD is not idempotent.
    [{ ErrorEquals: THROTTLED, MaxAttempts: 5 }], // 1 s, ×2: ASL's defaults
    ready,
    after,
  );
  return signal;
}
