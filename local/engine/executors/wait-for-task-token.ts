/**
 * `aws-sdk:dynamodb:updateItem.waitForTaskToken`: writes the item with a fresh token in place of
 * `$$SCI_TASK_TOKEN`, then waits. A DAG gate (`GATE#…`) is released in-process by
 * `sendTaskSuccess`; an approval (`STEP#…`) by `sci approve|reject` from another process, which
 * records the decision on the step item that this task polls.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GetItemCommand, type GetItemCommandInput } from '@aws-sdk/client-dynamodb';
import { LOCK_SK } from '../../../statemachines/compiler/environment.ts';
import { STEP_PREFIX } from '../../../statemachines/lifecycle.ts';
import { TaskError } from '../errors.ts';
import { readDecision } from '../run-control.ts';
import { taskSignal, type EngineServices, type Executor } from '../services.ts';
import { carriedAttributes, carriedWriteKey } from './carried.ts';
import { changeWatch } from '../../store/changes.ts';
import { updateItem } from './dynamodb.ts';

/** How often a waiting approval looks for a decision. */
export const DECISION_POLL_MS = 200;

async function pollDecision(
  services: EngineServices,
  key: Record<string, unknown>,
  signal: AbortSignal,
): Promise<unknown> {
  const table = { dynamo: services.dynamo, tableName: services.tableName };
  const changed = changeWatch(services.storeWrites);
  while (!signal.aborted) {
    const found = changed() ? await readDecision(table, key) : undefined;
    if (found?.decision === 'approved') return { decision: 'approved', by: found.by };
    if (found?.decision === 'rejected') throw new TaskError('sci.Rejected', `rejected by ${found.by}`);
    await sleep(DECISION_POLL_MS, undefined, { signal }).catch(() => undefined);
  }
  // the interpreter has already moved on (timeout or abort); this result is never read
  throw new TaskError('States.Timeout', 'stopped waiting');
}

function sortKey(input: unknown): string | undefined {
  const sk = (input as { Key?: { sk?: { S?: unknown } } }).Key?.sk?.S;
  return typeof sk === 'string' ? sk : undefined;
}

function isApproval(input: unknown): input is { Key: Record<string, unknown> } {
  return sortKey(input)?.startsWith(STEP_PREFIX) === true;
}

function isEnvironmentLock(input: unknown): input is { Key: Record<string, unknown> } {
  return sortKey(input) === LOCK_SK;
}

/**
 * An environment is shared by every `sci` process of the home, and a run holding it in another
 * process wakes its waiters through that process's tokens: so a waiter also looks at the lock
 * and goes back to take it once it is free.
 */
async function pollLockFree(
  services: EngineServices,
  key: Record<string, unknown>,
  signal: AbortSignal,
): Promise<unknown> {
  const changed = changeWatch(services.storeWrites);
  while (!signal.aborted) {
    if (!changed()) {
      await sleep(DECISION_POLL_MS, undefined, { signal }).catch(() => undefined);
      continue;
    }
    const { Item } = await services.dynamo.send(
      new GetItemCommand({
        TableName: services.tableName,
        Key: key as GetItemCommandInput['Key'],
        ConsistentRead: true,
      }),
    );
    if (!Item?.holder) return {};
    await sleep(DECISION_POLL_MS, undefined, { signal }).catch(() => undefined);
  }
  throw new TaskError('States.Timeout', 'stopped waiting');
}

export const waitForTaskTokenExecutor: Executor = async (input, state, run, services) => {
  const carried = carriedWriteKey(run, input);
  if (carried) {
    const { Attributes } = await carriedAttributes(services, run, carried);
    return { decision: 'approved', by: Attributes.decidedBy?.S ?? 'someone' };
  }
  const waiter = services.tokens.issue();
  const signal = taskSignal(run, state);
  try {
    await updateItem(input, services, 'DynamoDb', waiter.token);
    const stopped = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(new TaskError('States.Timeout', 'stopped waiting')), {
        once: true,
      }),
    );
    const waits: Array<Promise<unknown>> = [waiter.settled, stopped];
    if (isApproval(input)) waits.push(pollDecision(services, input.Key, signal));
    if (isEnvironmentLock(input)) waits.push(pollLockFree(services, input.Key, signal));
    return await Promise.race(waits);
  } finally {
    waiter.cancel();
  }
};
