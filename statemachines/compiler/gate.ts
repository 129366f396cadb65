/**
 * Cross-branch DAG gates. A gated step waits on a task token stored in its gate item
 * (`GATE#<key>#<attempt>`); each gate need, after its final status write, ADDs 1 to `done` and
 * stores its record (`needsSelector`). Both writes are serialised by DynamoDB on one item, so exactly one
 * side sees "all k needs done and a token is there" and releases the step:
 *  - the gate write first: the k-th signal reads the token (ALL_NEW) and sends success;
 *  - all k signals first: the gate write's condition `done < k` fails and the gate reads
 *    the item instead of waiting.
 */
import { RESOURCES, type Json, type State } from '../asl/types.ts';
import { CONDITIONAL_FAILED, WRITE_TIMEOUT } from './status.ts';
import { itemKeyAt, type Scope } from './scope.ts';
import { gateSk } from '../lifecycle.ts';
import { CONTEXT } from './run-context.ts';

const THROTTLED = [
  'DynamoDB.ProvisionedThroughputExceededException',
  'DynamoDB.ThrottlingException',
  'DynamoDB.RequestLimitExceeded',
];

/**
 * The gate item of step `key` in this attempt, `GATE#<key>#<attempt>`: a redrive's gates start
 * from nothing (their `done` counts belong to one attempt) without waiting for anything to
 * delete the ones of the attempt that failed.
 */
function gateKey(key: string): Record<string, Json> {
  return itemKeyAt(`${gateSk(key)}#`, `${CONTEXT}.attempt`);
}

/**
 * A gate item's needs (typed DynamoDB attributes under `prefix`) as `{ <need>: <its record> }`.
 * A gate of one need (the usual case) holds that need's record as JSON text in `need_<key>`
 * (keys are identifiers, never a DynamoDB reserved word), and its release sends the record
 * itself; a gate of several keeps each need's status and chain as a map, and its record as JSON
 * text at `record` when the need has outputs, so the release can send the whole item without
 * putting JSON text inside JSON text (aws-local-stepfunctions drops backslashes from intrinsics'
 * results).
 */
function needsSelector(scope: Scope, needs: string[], prefix: string): Record<string, Json> {
  if (needs.length === 1) {
    const [n] = needs as [string];
    return { [`${n}.$`]: prefix === '$' ? '$' : `States.StringToJson(${prefix}.need_${n}.S)` };
  }
  return Object.fromEntries(
    needs.map((n) => [
      n,
      {
        'status.$': `${prefix}.need_${n}.M.status.S`,
        'chain.$': `${prefix}.need_${n}.M.chain.S`,
        ...(hasOutputs(scope, n) ? { 'record.$': `States.StringToJson(${prefix}.need_${n}.M.record.S)` } : {}),
      },
    ]),
  );
}

/** The value a signal of step `key` stores for the gate of `gated` (see `needsSelector`). */
function needValue(scope: Scope, key: string, gated: string): Json {
  const record = `States.JsonToString($.steps.${key})`;
  if (scope.gates.get(gated)!.length === 1) return { 'S.$': record };
  return {
    M: {
      status: { 'S.$': `$.steps.${key}.status` },
      chain: { 'S.$': `$.steps.${key}.chain` },
      ...(hasOutputs(scope, key) ? { record: { 'S.$': record } } : {}),
    },
  };
}

/** A need with outputs sends its whole record (as JSON text) through a gate of several needs. */
function hasOutputs(scope: Scope, key: string): boolean {
  const step = scope.byKey.get(key)?.inst.step;
  return step?.kind === 'run' && step.outputs.length > 0;
}

/**
 * The gate of step `key`: returns its start state. Both paths leave the needs' statuses
 * at `$.gates.<key>.<need>`; `failed` receives `$.error` when the gate itself fails.
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
  const gate = scope.names.claim(stem, 'gate');
  const read = scope.names.claim(stem, 'gate read');
  states[gate] = {
    Type: 'Task',
    Resource: RESOURCES.updateItemWaitForToken,
    Parameters: {
      TableName: scope.target.tableName,
      Key: gateKey(key),
      // `taskToken` and `done` are not DynamoDB reserved words: no attribute-name placeholders.
      UpdateExpression: 'SET taskToken = :token',
      ConditionExpression: 'attribute_not_exists(done) OR done < :k',
      ExpressionAttributeValues: { ':token': { 'S.$': '$$.Task.Token' }, ':k': { N: String(needs.length) } },
    },
    ResultSelector: needsSelector(scope, needs, '$'),
    ResultPath: `$.gates.${key}`,
    TimeoutSeconds: scope.runBound,
    Catch: [
      { ErrorEquals: CONDITIONAL_FAILED, Next: read, ResultPath: null },
      { ErrorEquals: ['States.ALL'], Next: failed, ResultPath: '$.error' },
    ],
    Next: next,
  };
  states[read] = {
    Type: 'Task',
    Resource: RESOURCES.getItem,
    Parameters: { TableName: scope.target.tableName, Key: gateKey(key), ConsistentRead: true },
    ResultSelector: needsSelector(scope, needs, '$.Item'),
    ResultPath: `$.gates.${key}`,
    TimeoutSeconds: WRITE_TIMEOUT,
    Retry: [{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 3 }], // 1 s, ×2: ASL's defaults
    Catch: [{ ErrorEquals: ['States.ALL'], Next: failed, ResultPath: '$.error' }],
    Next: next,
  };
  return gate;
}

/**
 * The signals step `key` sends after its final status write, one per gated step that
 * waits for it; returns the first state (or `next` when it signals nobody).
 */
export function emitSignals(
  scope: Scope,
  key: string,
  stem: string,
  next: string,
  states: Record<string, State>,
): string {
  const targets = scope.signals.get(key) ?? [];
  return targets.reduceRight((after, gated) => {
    const gatedName = scope.byKey.get(gated)!.inst.name;
    const signal = scope.names.claim(stem, `signal ${gatedName}`);
    const ready = scope.names.claim(stem, `${gatedName} ready?`);
    const release = scope.names.claim(stem, `release ${gatedName}`);
    const k = scope.gates.get(gated)!.length;
    states[signal] = {
      Type: 'Task',
      Resource: RESOURCES.updateItem,
      Parameters: {
        TableName: scope.target.tableName,
        Key: gateKey(gated),
        UpdateExpression: `ADD done :one SET need_${key} = :need`,
        ExpressionAttributeValues: {
          ':one': { N: '1' },
          ':need': needValue(scope, key, gated),
        },
        ReturnValues: 'ALL_NEW',
      },
      ResultSelector: { 'item.$': '$.Attributes' },
      ResultPath: '$.signal',
      TimeoutSeconds: WRITE_TIMEOUT,
      // Only errors that guarantee nothing was written are retried: ADD is not idempotent.
      Retry: [{ ErrorEquals: THROTTLED, MaxAttempts: 5 }], // 1 s, ×2: ASL's defaults
      Catch: [{ ErrorEquals: ['States.ALL'], Next: after, ResultPath: null }],
      Next: ready,
    };
    // With one gate need, `done` is 1 after the signal: only the token decides.
    const hasToken = { Variable: '$.signal.item.taskToken', IsPresent: true };
    states[ready] = {
      Type: 'Choice',
      Choices: [
        k === 1
          ? { ...hasToken, Next: release }
          : { And: [{ Variable: '$.signal.item.done.N', StringEquals: String(k) }, hasToken], Next: release },
      ],
      Default: after,
    };
    states[release] = {
      Type: 'Task',
      Resource: RESOURCES.sendTaskSuccess,
      Parameters: {
        'TaskToken.$': '$.signal.item.taskToken.S',
        'Output.$': `States.JsonToString(${k === 1 ? `$.steps.${key}` : '$.signal.item'})`,
      },
      ResultPath: null,
      TimeoutSeconds: WRITE_TIMEOUT,
      Catch: [{ ErrorEquals: ['States.ALL'], Next: after, ResultPath: null }],
      Next: after,
    };
    return signal;
  }, next);
}
