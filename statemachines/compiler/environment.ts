/**
 * A step with `environment: NAME`: the run holds the environment while the step runs, and a
 * success records a release. All in the definition, on the run table:
 *   lock (conditional SET holder) ─ held by another run ─▶ wait (append a task token to the
 *   waiters, only while still held) ─ woken ─▶ lock again … ─▶ Task ─▶ status write ─▶
 *   [success: release item `ENV#<name>`/`REL#<at>#<run>` + current item `ENV#<name>`/`#ENV`] ─▶
 *   unlock (REMOVE holder, empty the waiters, ALL_OLD) ─▶ wake every old waiter (Map) ─▶ next.
 * The wait's condition and the unlock serialise on one item, so a waiter is either woken or
 * finds the environment free (the DAG gates' argument). A run that ends while holding it (a
 * cancel) frees it through the store (`HELD#<run>` on gsi1); its waiters find it free at their
 * next look (every LOCK_RECHECK_SECONDS).
 */
import { RESOURCES, type Json, type State } from '../asl/types.ts';
import { CONDITIONAL_FAILED, SDK_CONDITIONAL_FAILED, WRITE_TIMEOUT } from './status.ts';
import { member } from './context.ts';
import { recordPaths, type InstanceInfo, type Scope } from './scope.ts';

/** Keys of an environment's items (docs/run-store.md). */
export const ENV_PK_PREFIX = 'ENV#';
export const LOCK_SK = '#LOCK';
export const CURRENT_SK = '#ENV';
export const RELEASE_SK_PREFIX = 'REL#';
/** gsi1 partition of the environments' current items: `sci envs` lists them with one query. */
export const ENVIRONMENTS_GSI1PK = 'ENVS';
/** gsi1 partition of the lock items a run holds (`HELD#<runId>`): the run's end frees them. */
export const HELD_GSI1PK_PREFIX = 'HELD#';
/** How long a waiter waits to be woken before it looks at the lock again (a holder whose run ended wakes no one). */
export const LOCK_RECHECK_SECONDS = 300;

const RUN: Json = { 'S.$': '$.run.id' };
const THROTTLED_RETRY = { ErrorEquals: ['States.TaskFailed'], MaxAttempts: 3 };

function envKey(name: string, sk: Json): Record<string, Json> {
  return { pk: { S: `${ENV_PK_PREFIX}${name}` }, sk };
}

/** The states that take the environment before `task`; returns the first. `failed` gets `$.error`. */
export function emitLock(
  scope: Scope,
  info: InstanceInfo,
  task: string,
  failed: string,
  states: Record<string, State>,
): string {
  const env = info.inst.step.environment!.name;
  const lock = scope.names.claim(info.inst.name, `take ${env}`);
  const wait = scope.names.claim(info.inst.name, `wait for ${env}`);
  states[lock] = {
    Type: 'Task',
    Resource: RESOURCES.updateItem,
    Parameters: {
      TableName: scope.target.tableName,
      Key: envKey(env, { S: LOCK_SK }),
      UpdateExpression: 'SET #h = :run, #since = :now, #w = if_not_exists(#w, :none), #g = :held, #gs = :env',
      ConditionExpression: 'attribute_not_exists(#h) OR #h = :run',
      ExpressionAttributeNames: {
        '#h': 'holder',
        '#since': 'heldSince',
        '#w': 'waiters',
        '#g': 'gsi1pk',
        '#gs': 'gsi1sk',
      },
      ExpressionAttributeValues: {
        ':run': RUN,
        ':now': { 'S.$': '$$.State.EnteredTime' },
        ':none': { L: [] },
        ':held': { 'S.$': `States.Format('${HELD_GSI1PK_PREFIX}{}', $.run.id)` },
        ':env': { S: env },
      },
    },
    ResultPath: null,
    TimeoutSeconds: WRITE_TIMEOUT,
    Retry: [{ ErrorEquals: CONDITIONAL_FAILED, MaxAttempts: 0 }, THROTTLED_RETRY],
    Catch: [
      { ErrorEquals: CONDITIONAL_FAILED, Next: wait, ResultPath: null },
      { ErrorEquals: ['States.ALL'], Next: failed, ResultPath: '$.error' },
    ],
    Next: task,
  };
  states[wait] = {
    Type: 'Task',
    Resource: RESOURCES.updateItemWaitForToken,
    Parameters: {
      TableName: scope.target.tableName,
      Key: envKey(env, { S: LOCK_SK }),
      UpdateExpression: 'SET #w = list_append(#w, :me)',
      ConditionExpression: 'attribute_exists(#h) AND #h <> :run',
      ExpressionAttributeNames: { '#h': 'holder', '#w': 'waiters' },
      ExpressionAttributeValues: { ':run': RUN, ':me': { L: [{ 'S.$': '$$.Task.Token' }] } },
    },
    ResultPath: null,
    TimeoutSeconds: LOCK_RECHECK_SECONDS,
    Catch: [
      { ErrorEquals: [...SDK_CONDITIONAL_FAILED, 'States.Timeout'], Next: lock, ResultPath: null },
      { ErrorEquals: ['States.ALL'], Next: failed, ResultPath: '$.error' },
    ],
    Next: lock,
  };
  return lock;
}

/** Unlock and wake the waiters, then `next`; returns the first state. A run not holding it passes through. */
export function emitUnlock(scope: Scope, info: InstanceInfo, next: string, states: Record<string, State>): string {
  const env = info.inst.step.environment!.name;
  const unlock = scope.names.claim(info.inst.name, `free ${env}`);
  const wake = scope.names.claim(info.inst.name, `wake runs waiting for ${env}`);
  const send = scope.names.claim(info.inst.name, `wake a run`);
  const sent = scope.names.claim(info.inst.name, `woken`);
  states[unlock] = {
    Type: 'Task',
    Resource: RESOURCES.updateItem,
    Parameters: {
      TableName: scope.target.tableName,
      Key: envKey(env, { S: LOCK_SK }),
      UpdateExpression: 'SET #w = :none REMOVE #h, #since, #g, #gs',
      ConditionExpression: '#h = :run',
      ExpressionAttributeNames: {
        '#h': 'holder',
        '#since': 'heldSince',
        '#w': 'waiters',
        '#g': 'gsi1pk',
        '#gs': 'gsi1sk',
      },
      ExpressionAttributeValues: { ':run': RUN, ':none': { L: [] } },
      ReturnValues: 'ALL_OLD',
    },
    ResultSelector: { 'waiters.$': '$.Attributes.waiters.L' },
    ResultPath: '$.lock',
    TimeoutSeconds: WRITE_TIMEOUT,
    Retry: [{ ErrorEquals: CONDITIONAL_FAILED, MaxAttempts: 0 }, THROTTLED_RETRY],
    Catch: [{ ErrorEquals: ['States.ALL'], Next: next, ResultPath: null }],
    Next: wake,
  };
  states[wake] = {
    Type: 'Map',
    ItemsPath: '$.lock.waiters',
    ItemProcessor: {
      ProcessorConfig: { Mode: 'INLINE' },
      StartAt: send,
      States: {
        // A waiter that has gone (its run cancelled or timed out) makes this fail: nothing to wake.
        [send]: {
          Type: 'Task',
          Resource: RESOURCES.sendTaskSuccess,
          Parameters: { 'TaskToken.$': '$.S', Output: '{}' },
          TimeoutSeconds: WRITE_TIMEOUT,
          Catch: [{ ErrorEquals: ['States.ALL'], Next: sent, ResultPath: null }],
          Next: sent,
        },
        [sent]: { Type: 'Succeed' },
      },
    },
    ResultPath: null,
    Next: next,
  };
  return unlock;
}

/**
 * The release record written after a success, then `next`: the outputs the step could read
 * (its own and every needed step's, by step name) with the run's facts.
 */
export function emitRelease(scope: Scope, info: InstanceInfo, next: string, states: Record<string, State>): string {
  const step = info.inst.step;
  const env = step.environment!;
  const record = scope.names.claim(info.inst.name, `release to ${env.name}`);
  const current = scope.names.claim(info.inst.name, `current ${env.name}`);
  const fields: Record<string, Json> = {
    ':env': { S: env.name },
    ':pipeline': { 'S.$': '$.run.pipeline' },
    ':run': RUN,
    ':sha': { 'S.$': '$.run.sha' },
    ':branch': { 'S.$': '$.run.branch' },
    ':step': { S: step.name },
    ':at': { 'S.$': '$$.State.EnteredTime' },
    ':status': { S: 'succeeded' },
    ...(env.url !== undefined ? { ':url': { S: env.url } } : {}),
    ':outputs': { M: releaseOutputs(scope, info) },
  };
  const names = {
    '#env': 'environment',
    '#pipeline': 'pipeline',
    '#run': 'run',
    '#sha': 'sha',
    '#branch': 'branch',
    '#step': 'step',
    '#at': 'at',
    '#status': 'status',
    '#outputs': 'outputs',
    ...(env.url !== undefined ? { '#url': 'url' } : {}),
  };
  const set =
    'SET #env = :env, #pipeline = :pipeline, #run = :run, #sha = :sha, #branch = :branch, #step = :step, #at = :at, #status = :status, #outputs = :outputs' +
    (env.url !== undefined ? ', #url = :url' : '');
  const write = (
    sk: Json,
    extra: { names: Record<string, string>; values: Record<string, Json>; set: string },
    then: string,
  ): State => ({
    Type: 'Task',
    Resource: RESOURCES.updateItem,
    Parameters: {
      TableName: scope.target.tableName,
      Key: envKey(env.name, sk),
      UpdateExpression: `${set}${extra.set}`,
      ExpressionAttributeNames: { ...names, ...extra.names },
      ExpressionAttributeValues: { ...fields, ...extra.values },
    },
    ResultPath: null,
    TimeoutSeconds: WRITE_TIMEOUT,
    Retry: [THROTTLED_RETRY],
    Catch: [{ ErrorEquals: ['States.ALL'], Next: then, ResultPath: null }],
    Next: then,
  });
  states[record] = write(
    { 'S.$': `States.Format('${RELEASE_SK_PREFIX}{}#{}', $$.State.EnteredTime, $.run.id)` },
    { names: {}, values: {}, set: '' },
    current,
  );
  states[current] = write(
    { S: CURRENT_SK },
    {
      names: { '#g': 'gsi1pk', '#gs': 'gsi1sk' },
      values: { ':g': { S: ENVIRONMENTS_GSI1PK }, ':gs': { S: env.name } },
      set: ', #g = :g, #gs = :gs',
    },
    next,
  );
  return record;
}

/** `{ <step>: { M: { <output>: { S.$: path } } } }` for the step itself and every visible step with outputs. */
function releaseOutputs(scope: Scope, info: InstanceInfo): Record<string, Json> {
  const paths = recordPaths(scope, info.key);
  const out: Record<string, Json> = {};
  for (const other of scope.byKey.values()) {
    const step = other.inst.step;
    if (step.kind !== 'run' || step.outputs.length === 0 || Object.keys(other.inst.matrix).length > 0) continue;
    const base = other.key === info.key ? `$.steps.${info.key}` : paths(step.name);
    if (base === undefined) continue;
    out[step.name] = { M: Object.fromEntries(step.outputs.map((n) => [n, { 'S.$': `${base}.outputs.${n}` }])) };
  }
  for (const [name, keys] of Object.entries(scope.pipeline.released ?? {})) {
    out[name] = {
      M: Object.fromEntries(keys.map((n) => [n, { 'S.$': `$.run.released${member(name)}.outputs.${n}` }])),
    };
  }
  return out;
}
