/**
 * A redrive's writes (docs/run-store.md, "Redrive"): the one move back in the lifecycle. The run
 * goes from failed/cancelled to `running` again and rejoins the active index; the steps that did
 * not succeed go back to `pending` with their times, reason and decision cleared (their
 * `attempts` and `attemptIds` stay: the count goes on); the gates of the attempts before are
 * deleted (each attempt keys its own, `GATE#<key>#<attempt>`).
 */
import {
  DeleteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import {
  ACTIVE_PK,
  GATE_PREFIX,
  newestFirstSk,
  REDRIVABLE_RUN_STATUSES,
  REDRIVEN_STEP_STATUSES,
  runKey,
  runPk,
  statusInCondition,
  stepKey,
} from '../../statemachines/lifecycle.ts';
import type { RunRecord } from '../core/ports.ts';
import { isConditionalCheckFailed } from './errors.ts';
import { queryItems } from './reads.ts';

/** The run back to `running`, one more redrive counted; only from a redrivable status. */
export function reopenRunInput(
  table: string,
  run: Pick<RunRecord, 'id' | 'createdAt'>,
  at: string,
): UpdateCommandInput {
  const from = statusInCondition(REDRIVABLE_RUN_STATUSES);
  return {
    TableName: table,
    Key: runKey(run.id),
    ReturnValues: 'UPDATED_NEW',
    UpdateExpression:
      'SET #status = :running, #redrivenAt = :at, gsi3pk = :active, gsi3sk = :sk REMOVE #endedAt, #reason ADD #redriveCount :one',
    ConditionExpression: `#committed = :true AND ${from.expression}`,
    ExpressionAttributeNames: {
      '#status': 'status',
      '#redrivenAt': 'redrivenAt',
      '#endedAt': 'endedAt',
      '#reason': 'reason',
      '#redriveCount': 'redriveCount',
      '#committed': 'committed',
    },
    ExpressionAttributeValues: {
      ':running': 'running',
      ':at': at,
      ':active': ACTIVE_PK,
      ':sk': newestFirstSk(run.createdAt, run.id),
      ':one': 1,
      ':true': true,
      ...from.values,
    },
  };
}

/** A step that did not succeed back to `pending`, ready to run again. */
export function reopenStepInput(table: string, runId: string, key: string): UpdateCommandInput {
  const from = statusInCondition(REDRIVEN_STEP_STATUSES);
  return {
    TableName: table,
    Key: stepKey(runId, key),
    UpdateExpression:
      'SET #status = :pending REMOVE #startedAt, #endedAt, #reason, #decision, #decidedBy, #decidedAt, #taskToken, #message, #chain',
    ConditionExpression: `attribute_exists(pk) AND ${from.expression}`,
    ExpressionAttributeNames: {
      '#status': 'status',
      '#startedAt': 'startedAt',
      '#endedAt': 'endedAt',
      '#reason': 'reason',
      '#decision': 'decision',
      '#decidedBy': 'decidedBy',
      '#decidedAt': 'decidedAt',
      '#taskToken': 'taskToken',
      '#message': 'message',
      '#chain': 'chain',
    },
    ExpressionAttributeValues: { ':pending': 'pending', ...from.values },
  };
}

/** Reopens the run, then its steps `keys`, then clears its gates; the new redrive count, or undefined when the run was not redrivable. */
export async function reopenRun(
  client: DynamoDBDocumentClient,
  table: string,
  run: Pick<RunRecord, 'id' | 'createdAt'>,
  keys: string[],
  at: string,
): Promise<number | undefined> {
  let count: number;
  try {
    const result = await client.send(new UpdateCommand(reopenRunInput(table, run, at)));
    count = Number(result.Attributes?.redriveCount);
  } catch (error) {
    if (isConditionalCheckFailed(error)) return undefined;
    throw error;
  }
  await Promise.all(
    keys.map(async (key) => {
      try {
        await client.send(new UpdateCommand(reopenStepInput(table, run.id, key)));
      } catch (error) {
        // a step that already succeeded (or is pending again after a crash mid-way) stays as it is
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }),
  );
  const gates = await queryItems(client, {
    TableName: table,
    ConsistentRead: true,
    ProjectionExpression: 'pk, sk',
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :gate)',
    ExpressionAttributeValues: { ':pk': runPk(run.id), ':gate': GATE_PREFIX },
  });
  // Each attempt has its own gates (`GATE#<key>#<attempt>`): the new one's may be written already
  // (a Step Functions redrive runs while its events reach the reporter), so only earlier ones go.
  const earlier = gates.filter((gate) => !String(gate.sk).endsWith(`#${count}`));
  await Promise.all(
    earlier.map((gate) => client.send(new DeleteCommand({ TableName: table, Key: { pk: gate.pk, sk: gate.sk } }))),
  );
  return count;
}
