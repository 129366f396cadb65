/**
 * The conditional UpdateItem inputs of every status transition, built as plain data so a unit
 * test can pin them (the compiled state machines write step statuses with the same condition).
 * Each write stamps its `writeId`: when a retry (SDK or reconnect) of a write whose response was
 * lost fails its condition, the store reads the item back and knows the first try applied.
 */
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { StepTransitionFields } from '../core/ports.ts';
import type { RunStatus, StepStatus } from '../../statemachines/pipeline/model.ts';
import {
  isTerminalRun,
  runKey,
  runSourcesFor,
  statusInCondition,
  stepKey,
  stepSourcesFor,
} from '../../statemachines/lifecycle.ts';

export type { StepTransitionFields } from '../core/ports.ts';

export interface RunTransitionFields {
  startedAt?: string;
  endedAt?: string;
  reason?: string;
  executionArn?: string;
  transitions?: number;
}

/** `SET #f = :f` for each present field; names are placeholders because `status` and others are reserved words. */
function setClauses(fields: Record<string, unknown>): {
  clauses: string[];
  names: Record<string, string>;
  values: Record<string, unknown>;
} {
  const present = Object.entries(fields).filter(([, value]) => value !== undefined);
  return {
    clauses: present.map(([name]) => `#${name} = :${name}`),
    names: Object.fromEntries(present.map(([name]) => [`#${name}`, name])),
    values: Object.fromEntries(present.map(([name, value]) => [`:${name}`, value])),
  };
}

/**
 * Undefined when no status may move to `to`.
 * A step moves only forward: `#status IN (earlier statuses)`. A new attempt (`running` again with
 * `incrementAttempts`) is the one same-rank move, and counts once per `attemptId`.
 */
export function stepTransitionInput(
  table: string,
  runId: string,
  key: string,
  to: StepStatus,
  fields: StepTransitionFields,
  writeId: string,
): UpdateCommandInput | undefined {
  const { startedAt, endedAt, reason, incrementAttempts, buildId } = fields;
  if (stepSourcesFor(to).length === 0) return undefined; // nothing moves back to `pending`
  // Without an attempt id of its own, the call is the attempt: its retries then count once.
  const attemptId = fields.attemptId ?? writeId;
  const set = setClauses({ endedAt, reason, buildId, writeId });
  const from = statusInCondition(stepSourcesFor(to));
  const names: Record<string, string> = { '#status': 'status', ...set.names };
  const values: Record<string, unknown> = { ':to': to, ...from.values, ...set.values };
  const clauses = ['#status = :to', ...set.clauses];
  if (startedAt !== undefined) {
    clauses.push('#startedAt = if_not_exists(#startedAt, :startedAt)');
    names['#startedAt'] = 'startedAt';
    values[':startedAt'] = startedAt;
  }
  const adds: string[] = [];
  let condition = `attribute_exists(pk) AND ${from.expression}`;
  if (incrementAttempts && to === 'running') {
    // Every attempt id ever counted is kept, so a redelivered start event counts once even late.
    condition = `attribute_exists(pk) AND (${from.expression} OR #status = :to) AND (attribute_not_exists(#attemptIds) OR NOT contains(#attemptIds, :attemptId))`;
    adds.push('#attemptIds :attemptIds');
    names['#attemptIds'] = 'attemptIds';
    values[':attemptId'] = attemptId;
    values[':attemptIds'] = new Set([attemptId]);
  }
  if (incrementAttempts) {
    adds.push('#attempts :one');
    names['#attempts'] = 'attempts';
    values[':one'] = 1;
  }
  const update = `SET ${clauses.join(', ')}${adds.length > 0 ? ` ADD ${adds.join(', ')}` : ''}`;
  return {
    TableName: table,
    Key: stepKey(runId, key),
    UpdateExpression: update,
    ConditionExpression: condition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/**
 * A run moves only forward (from `only` alone, when given), and only once committed; a terminal run
 * leaves the active index (gsi3).
 */
export function runTransitionInput(
  table: string,
  runId: string,
  to: RunStatus,
  fields: RunTransitionFields,
  writeId: string,
  only?: RunStatus,
): UpdateCommandInput | undefined {
  const sources = runSourcesFor(to).filter((from) => only === undefined || from === only);
  if (sources.length === 0) return undefined; // nothing moves back to `queued`
  const set = setClauses({ status: to, ...fields, writeId });
  const from = statusInCondition(sources);
  const remove = isTerminalRun(to) ? ' REMOVE gsi3pk, gsi3sk' : '';
  return {
    TableName: table,
    Key: runKey(runId),
    UpdateExpression: `SET ${set.clauses.join(', ')}${remove}`,
    ConditionExpression: `#committed = :true AND ${from.expression}`,
    ExpressionAttributeNames: { ...set.names, '#committed': 'committed' },
    ExpressionAttributeValues: { ...set.values, ...from.values, ':true': true },
  };
}
