/**
 * The concurrency group item (`GROUP#<repo>#<group>` + `#GROUP`, docs/run-store.md): the run that
 * holds the group (the one in progress) and the one run waiting for it. Every change is one
 * conditional UpdateItem on this item, so of two runs arriving at once exactly one holds the group.
 * The runs' `gsi3` index could not decide it: reads of a global secondary index are eventually
 * consistent, so a run written a moment ago may be missing from them.
 *
 * Invariant: a `waiting` run exists only while a `holder` does. Waiting is written only under a
 * holder, a holder leaves only when nobody waits, and a hand-over moves the waiter into the holder's
 * place in the same write.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GroupClaim, GroupEntrant, GroupSlot, GroupWait } from '../core/ports.ts';
import { groupKey, newestFirstSk } from '../../statemachines/lifecycle.ts';
import { isConditionalCheckFailed, StoreError } from './errors.ts';

export interface GroupTable {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** TTL of the item, epoch seconds: refreshed by every write, as long as the runs it names live. */
  expires: () => number;
  /** ISO-8601 time of a write (`heldSince`). */
  now: () => string;
}

/** A hand-over that keeps losing its condition to other writers stops after this many reads. */
const MAX_RELEASE_ATTEMPTS = 8;

const entrantKey = (run: GroupEntrant) => newestFirstSk(run.createdAt, run.id);

/** The group's slot, read consistently (an absent item is a free group). */
export async function readGroup(t: GroupTable, repo: string, group: string): Promise<GroupSlot> {
  const { Item } = await t.client.send(
    new GetCommand({ TableName: t.tableName, Key: groupKey(repo, group), ConsistentRead: true }),
  );
  const text = (name: string) => (typeof Item?.[name] === 'string' ? (Item[name] as string) : undefined);
  const holder = text('holder');
  const waiting = text('waiting');
  return {
    ...(holder ? { holder, holderKey: text('holderKey') ?? '' } : {}),
    ...(waiting ? { waiting, waitingKey: text('waitingKey') ?? '' } : {}),
  };
}

/** Runs one conditional update; false when its condition failed. */
async function conditional(
  t: GroupTable,
  input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>,
): Promise<Record<string, unknown> | undefined> {
  try {
    const result = await t.client.send(new UpdateCommand({ TableName: t.tableName, ...input }));
    return result.Attributes ?? {};
  } catch (error) {
    if (isConditionalCheckFailed(error)) return undefined;
    throw error;
  }
}

/**
 * `run` takes the group. `free`: only when nobody holds it (or `run` already does: a retry).
 * `newer` (`cancel_in_progress`): also from an older holder; the holder and the waiting run it
 * displaces are returned, to be cancelled. Refused: the slot as it is now.
 */
export async function claimGroup(t: GroupTable, run: GroupEntrant, mode: 'free' | 'newer'): Promise<GroupClaim> {
  const older = mode === 'newer' ? ' OR #holderKey < :key' : '';
  const taken = await conditional(t, {
    Key: groupKey(run.repo, run.group),
    UpdateExpression: `SET #holder = :run, #holderKey = :key, #heldSince = :now, #repo = :repo, #group = :group, #type = :type, #ttl = :ttl${mode === 'newer' ? ' REMOVE #waiting, #waitingKey' : ''}`,
    ConditionExpression: `attribute_not_exists(#holder) OR #holder = :run${older}`,
    ExpressionAttributeNames: {
      '#holder': 'holder',
      '#holderKey': 'holderKey',
      '#heldSince': 'heldSince',
      '#repo': 'repo',
      '#group': 'group',
      '#type': 'type',
      '#ttl': 'expiresAt',
      ...(mode === 'newer' ? { '#waiting': 'waiting', '#waitingKey': 'waitingKey' } : {}),
    },
    ExpressionAttributeValues: {
      ':run': run.id,
      ':key': entrantKey(run),
      ':now': t.now(),
      ':repo': run.repo,
      ':group': run.group,
      ':type': 'group',
      ':ttl': t.expires(),
    },
    ReturnValues: 'ALL_OLD',
  });
  if (!taken) return { claimed: false, slot: await readGroup(t, run.repo, run.group) };
  const displaced = [taken.holder, taken.waiting].filter((id): id is string => typeof id === 'string' && id !== run.id);
  return { claimed: true, displaced };
}

/**
 * `run` becomes the group's waiting run behind `holder`, replacing an older waiting run (returned,
 * to be cancelled). Refused when the holder is no longer `holder` or a newer run waits: the slot.
 */
export async function waitInGroup(t: GroupTable, run: GroupEntrant, holder: string): Promise<GroupWait> {
  const swapped = await conditional(t, {
    Key: groupKey(run.repo, run.group),
    UpdateExpression: 'SET #waiting = :run, #waitingKey = :key, #ttl = :ttl',
    ConditionExpression: '#holder = :holder AND (attribute_not_exists(#waiting) OR #waitingKey <= :key)',
    ExpressionAttributeNames: {
      '#holder': 'holder',
      '#waiting': 'waiting',
      '#waitingKey': 'waitingKey',
      '#ttl': 'expiresAt',
    },
    ExpressionAttributeValues: { ':run': run.id, ':key': entrantKey(run), ':holder': holder, ':ttl': t.expires() },
    ReturnValues: 'UPDATED_OLD',
  });
  if (!swapped) return { waits: false, slot: await readGroup(t, run.repo, run.group) };
  const replaced = swapped.waiting;
  return typeof replaced === 'string' && replaced !== run.id ? { waits: true, replaced } : { waits: true };
}

/**
 * `runId` leaves the group: as its holder, the group goes to the waiting run (which then holds it,
 * still to be started) or becomes free; as its waiting run, the place is emptied. Idempotent.
 * Returns the run that holds the group after it, if any.
 */
export async function releaseGroup(
  t: GroupTable,
  repo: string,
  group: string,
  runId: string,
): Promise<string | undefined> {
  const Key = groupKey(repo, group);
  for (let attempt = 0; attempt < MAX_RELEASE_ATTEMPTS; attempt++) {
    const slot = await readGroup(t, repo, group);
    if (slot.waiting === runId) {
      const emptied = await conditional(t, {
        Key,
        UpdateExpression: 'REMOVE #waiting, #waitingKey',
        ConditionExpression: '#waiting = :run',
        ExpressionAttributeNames: { '#waiting': 'waiting', '#waitingKey': 'waitingKey' },
        ExpressionAttributeValues: { ':run': runId },
      });
      if (emptied) return slot.holder;
      continue;
    }
    if (slot.holder !== runId) return slot.holder;
    const next = slot.waiting;
    const moved = next
      ? await conditional(t, {
          Key,
          UpdateExpression:
            'SET #holder = :next, #holderKey = :nextKey, #heldSince = :now, #ttl = :ttl REMOVE #waiting, #waitingKey',
          ConditionExpression: '#holder = :run AND #waiting = :next',
          ExpressionAttributeNames: {
            '#holder': 'holder',
            '#holderKey': 'holderKey',
            '#heldSince': 'heldSince',
            '#waiting': 'waiting',
            '#waitingKey': 'waitingKey',
            '#ttl': 'expiresAt',
          },
          ExpressionAttributeValues: {
            ':run': runId,
            ':next': next,
            ':nextKey': slot.waitingKey ?? '',
            ':now': t.now(),
            ':ttl': t.expires(),
          },
        })
      : await conditional(t, {
          Key,
          UpdateExpression: 'REMOVE #holder, #holderKey, #heldSince SET #ttl = :ttl',
          ConditionExpression: '#holder = :run AND attribute_not_exists(#waiting)',
          ExpressionAttributeNames: {
            '#holder': 'holder',
            '#holderKey': 'holderKey',
            '#heldSince': 'heldSince',
            '#waiting': 'waiting',
            '#ttl': 'expiresAt',
          },
          ExpressionAttributeValues: { ':run': runId, ':ttl': t.expires() },
        });
    if (moved) return next;
  }
  throw new StoreError(
    'group-contended',
    `concurrency group ${group} of ${repo}: run ${runId} could not leave it (too many concurrent writes)`,
  );
}
