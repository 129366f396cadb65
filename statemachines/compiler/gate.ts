/**
 * Cross-branch DAG gates. A gated step waits on a task token stored in its gate item
 * (`GATE#<key>#<attempt>`); each gate need, after its final status write, ADDs 1 to `done` and
 * records its status. Both writes are serialised by DynamoDB on one item, so exactly one
 * side sees "all k needs done and a token is there" and releases the step:
 *  - the gate write first: the k-th signal reads the token (ALL_NEW) and sends success;
 *  - all k signals first: the gate write's condition `done < k` fails and the gate reads
 *    the item instead of waiting.
 */
import { RESOURCES, type Json, type State } from '../asl/types.ts';
import { CONDITIONAL_FAILED, WRITE_TIMEOUT } from './status.ts';
import { RUN_PK, type Scope } from './scope.ts';
import { gateSk } from '../lifecycle.ts';
import { CONTEXT } from './run-context.ts';
import { formatEscape } from './templates.ts';

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
  return { pk: RUN_PK, sk: { 'S.$': `States.Format('${formatEscape(gateSk(key))}#{}', ${CONTEXT}.attempt)` } };
}

/** Normalises a gate item (typed DynamoDB attributes under `prefix`) to `{ <need>: { status, chain } }`. */
function needsSelector(scope: Scope, needs: string[], prefix: string): Record<string, Json> {
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

/** A need with outputs sends its whole record (as JSON text) through the gate. */
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
      UpdateExpression: 'SET #token = :token',
      ConditionExpression: 'attribute_not_exists(#done) OR #done < :k',
      ExpressionAttributeNames: { '#token': 'taskToken', '#done': 'done' },
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
        UpdateExpression: 'ADD #done :one SET #need = :need',
        ExpressionAttributeNames: { '#done': 'done', '#need': `need_${key}` },
        ExpressionAttributeValues: {
          ':one': { N: '1' },
          ':need': {
            M: {
              status: { 'S.$': `$.steps.${key}.status` },
              chain: { 'S.$': `$.steps.${key}.chain` },
              ...(hasOutputs(scope, key) ? { record: { 'S.$': `States.JsonToString($.steps.${key})` } } : {}),
            },
          },
        },
        ReturnValues: 'ALL_NEW',
      },
      ResultSelector: { 'done.$': '$.Attributes.done.N', 'item.$': '$.Attributes' },
      ResultPath: '$.signal',
      TimeoutSeconds: WRITE_TIMEOUT,
      // Only errors that guarantee nothing was written are retried: ADD is not idempotent.
      Retry: [{ ErrorEquals: THROTTLED, MaxAttempts: 5 }], // 1 s, ×2: ASL's defaults
      Catch: [{ ErrorEquals: ['States.ALL'], Next: after, ResultPath: null }],
      Next: ready,
    };
    states[ready] = {
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.signal.done', StringEquals: String(k) },
            { Variable: '$.signal.item.taskToken', IsPresent: true },
          ],
          Next: release,
        },
      ],
      Default: after,
    };
    states[release] = {
      Type: 'Task',
      Resource: RESOURCES.sendTaskSuccess,
      Parameters: { 'TaskToken.$': '$.signal.item.taskToken.S', 'Output.$': 'States.JsonToString($.signal.item)' },
      ResultPath: null,
      TimeoutSeconds: WRITE_TIMEOUT,
      Catch: [{ ErrorEquals: ['States.ALL'], Next: after, ResultPath: null }],
      Next: after,
    };
    return signal;
  }, next);
}
