/**
 * A rollout step as states, one named group per weight, so the console shows where it stopped:
 *   started ─▶ [stable version] ─▶ 10% ─▶ bake 10% ─▶ [measure 10%] ─▶ [alarms 10%] ─▶ [judge 10%] ─▶ 50% ─▶ … ─▶ succeeded
 * A judge that finds too few requests, an error rate over the limit or an alarm sets
 * `$.error` = { Error: sci.RolledBack, Cause: the reason } and goes to `roll back` (all traffic
 * to stable); a failed call goes there too. The failure write then records the reason.
 */
import { RESOURCES, type ChoiceRule, type State, type TaskState } from '../asl/types.ts';
import { stepSk, stepSourcesFor } from '../lifecycle.ts';
import type { RolloutStep } from '../pipeline/model.ts';
import { alarmsCall, rolloutPath, targetCalls, type Call } from './rollout-targets.ts';
import { itemKey, type InstanceInfo, type Scope } from './scope.ts';
import { CONDITIONAL_FAILED, type StringValue } from './status.ts';
import { formatEscape } from './templates.ts';

/** The error a failed analysis sets; its Cause is the reason the step records. */
export const ROLLED_BACK = 'sci.RolledBack';
const CALL_TIMEOUT = 60;
const CALL_RETRY = [{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 3 }];

type Write = (suffix: string, status: 'failed', reason: StringValue) => string;

/** Emits the rollout of `info`; returns its first state. `succeeded`/`failed` are the step's outcome writes. */
export function emitRollout(
  scope: Scope,
  info: InstanceInfo,
  outcome: { succeeded: string; failed: string },
  write: Write,
  states: Record<string, State>,
): string {
  const stem = info.inst.name;
  const spec = (info.inst.step as RolloutStep).rollout;
  const calls = targetCalls(scope, info);
  const data = rolloutPath(info.key);
  const prepare = calls.prepare ? scope.names.claim(stem, 'stable version') : undefined;
  const shifts = spec.weights.map((w) => scope.names.claim(stem, `${w}%`));
  const rollback = scope.names.claim(stem, 'roll back');
  const rolledBack = scope.names.claim(stem, 'rolled back?');
  states[rollback] = callState(calls.rollback, null, rolledBack, outcome.failed);
  states[rolledBack] = {
    Type: 'Choice',
    Choices: [
      {
        Variable: '$.error.Error',
        StringEquals: ROLLED_BACK,
        Next: write('rolled back', 'failed', { expr: '$.error.Cause' }),
      },
    ],
    Default: outcome.failed,
  };
  spec.weights.forEach((weight, i) => {
    const after = shifts[i + 1] ?? outcome.succeeded;
    const judged = emitAnalysis(scope, info, calls.measure, weight, after, rollback, states);
    const bake = scope.names.claim(stem, `bake ${weight}%`);
    const shift = calls.shift(weight);
    states[shifts[i]!] = callState(shift, shift.ResultSelector ? `${data}.shifted` : null, bake, rollback);
    states[bake] = { Type: 'Wait', Seconds: spec.interval, Next: judged };
  });
  let first = shifts[0]!;
  if (prepare !== undefined) {
    // Nothing has moved yet: a failure to read the alias is the step's failure, no rollback.
    states[prepare] = callState(calls.prepare!, `${data}.stable`, first, outcome.failed);
    first = prepare;
  }
  return emitStarted(scope, info, first, states);
}

/**
 * The step goes `running` (with `startedAt`) as it starts moving traffic: no build reports it
 * for a rollout. A lost write (the run was cancelled meanwhile) changes nothing here.
 */
function emitStarted(scope: Scope, info: InstanceInfo, next: string, states: Record<string, State>): string {
  const name = scope.names.claim(info.inst.name, 'started');
  const from = stepSourcesFor('running');
  states[name] = {
    Type: 'Task',
    Resource: RESOURCES.updateItem,
    Parameters: {
      TableName: scope.target.tableName,
      Key: itemKey(stepSk(info.key)),
      UpdateExpression: 'SET #s = :running, #at = :now, #n = :one',
      ConditionExpression: `#s IN (${from.map((f) => `:${f}`).join(', ')})`,
      ExpressionAttributeNames: { '#s': 'status', '#at': 'startedAt', '#n': 'attempts' },
      ExpressionAttributeValues: {
        ':running': { S: 'running' },
        ':now': { 'S.$': '$$.State.EnteredTime' },
        ':one': { N: '1' },
        ...Object.fromEntries(from.map((f) => [`:${f}`, { S: f }])),
      },
    },
    ResultPath: null,
    TimeoutSeconds: CALL_TIMEOUT,
    Retry: [{ ErrorEquals: CONDITIONAL_FAILED, MaxAttempts: 0 }, ...CALL_RETRY],
    Catch: [{ ErrorEquals: ['States.ALL'], Next: next, ResultPath: null }],
    Next: next,
  };
  return name;
}

/** measure → alarms → judge at one weight; returns the first of them (`next` when nothing is analysed). */
function emitAnalysis(
  scope: Scope,
  info: InstanceInfo,
  measureCall: Call,
  weight: number,
  next: string,
  rollback: string,
  states: Record<string, State>,
): string {
  const stem = info.inst.name;
  const { analysis } = (info.inst.step as RolloutStep).rollout;
  const data = rolloutPath(info.key);
  const measures = analysis.maxErrorRate !== undefined || analysis.minRequests > 0;
  if (!measures && analysis.alarms.length === 0) return next;
  const at = `rolled back at ${weight}%`;
  const verdict = (suffix: string, cause: string, args: string[] = []): string => {
    const name = scope.names.claim(stem, `${suffix} at ${weight}%`);
    // `{}` in `cause` are the places of `args`; the rest is literal text.
    const format = `${at}: ${cause}`.split('{}').map(formatEscape).join('{}');
    const value =
      args.length === 0
        ? { Cause: `${at}: ${cause}` }
        : { 'Cause.$': `States.Format('${format}', ${args.join(', ')})` };
    states[name] = {
      Type: 'Pass',
      Parameters: { Error: ROLLED_BACK, ...value },
      ResultPath: '$.error',
      Next: rollback,
    };
    return name;
  };
  const requests = `${data}.measured.requests[0][0]`;
  const rate = `${data}.measured.rate[0][0]`;
  const choices: Array<ChoiceRule & { Next: string }> = [];
  if (analysis.minRequests > 0) {
    const needed = `at least ${analysis.minRequests} needed`;
    choices.push({
      Not: { Variable: requests, IsPresent: true },
      Next: verdict('no requests', `no requests to the candidate (${needed})`),
    });
    const few = verdict('too few requests', `{} requests to the candidate, ${needed}`, [requests]);
    choices.push({ Variable: requests, NumericLessThan: analysis.minRequests, Next: few });
  }
  if (analysis.maxErrorRate !== undefined) {
    const limit = analysis.maxErrorRate;
    const over = verdict(`error rate over ${limit}%`, `error rate {}% > ${limit}% ({} requests)`, [rate, requests]);
    choices.push({
      And: [
        { Variable: rate, IsPresent: true },
        { Variable: rate, NumericGreaterThan: limit },
      ],
      Next: over,
    });
  }
  let first = scope.names.claim(stem, `judge ${weight}%`);
  const judge = first;
  if (analysis.alarms.length > 0) {
    for (const kind of ['Metric', 'Composite']) {
      const alarm = `${data}.alarms.${kind}Alarms[0]`;
      choices.push({
        Variable: alarm,
        IsPresent: true,
        Next: verdict(`${kind.toLowerCase()} alarm`, 'alarm {} is in ALARM', [`${alarm}.AlarmName`]),
      });
    }
    const alarms = scope.names.claim(stem, `alarms ${weight}%`);
    states[alarms] = callState(alarmsCall(analysis.alarms), `${data}.alarms`, first, rollback);
    first = alarms;
  }
  states[judge] = { Type: 'Choice', Choices: choices, Default: next };
  if (measures) {
    const measure = scope.names.claim(stem, `measure ${weight}%`);
    states[measure] = callState(measureCall, `${data}.measured`, first, rollback);
    first = measure;
  }
  return first;
}

/** A call on the target; any failure goes to `onError` with `$.error`. */
function callState(call: Call, resultPath: string | null, next: string, onError: string): TaskState {
  return {
    Type: 'Task',
    ...call,
    ResultPath: resultPath,
    TimeoutSeconds: CALL_TIMEOUT,
    Retry: CALL_RETRY,
    Catch: [{ ErrorEquals: ['States.ALL'], Next: onError, ResultPath: '$.error' }],
    Next: next,
  };
}
