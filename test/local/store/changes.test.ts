/**
 * Pollers of the serving process read the store only after a write (local/store/changes.ts): the write
 * count of the real dynalite server, whoever writes, and the watch each poller keeps over it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { changeWatch, unknownWrites } from '../../../local/store/changes.ts';
import { openLocalStore } from '../../../local/store/dynalite-server.ts';
import { aRun, someSteps } from '../../store/records.ts';

describe('store changes seen by pollers', () => {
  it('a watch says true once per new count, and always when the count is unknown', () => {
    let count: number | undefined = 0;
    const changed = changeWatch(() => count);
    assert.deepEqual([changed(), changed(), changed()], [true, false, false]);
    count = 3;
    assert.deepEqual([changed(), changed()], [true, false]);
    count = undefined;
    assert.deepEqual([changed(), changed()], [true, true]);
    count = 3;
    assert.equal(changed(), true, 'serving again: read once more');
    const never = changeWatch(unknownWrites);
    assert.deepEqual([never(), never()], [true, true]);
  });

  it('the serving process counts every answered write, its own and a client’s, and no read', async (t) => {
    const home = mkdtempSync(join(tmpdir(), 'sci-changes-'));
    const server = await openLocalStore(home);
    const client = await openLocalStore(home);
    t.after(async () => {
      await client.close();
      await server.close();
      rmSync(home, { recursive: true, force: true });
    });
    assert.equal(client.writes(), undefined, 'a client cannot know');
    await server.store.createRun(aRun({ id: 'r1' }), someSteps('r1', 1));
    const changed = changeWatch(server.writes);
    assert.equal(changed(), true);

    const key = { pk: { S: 'RUN#r1' }, sk: { S: 'RUN' } };
    await client.client.send(new GetItemCommand({ TableName: client.tableName, Key: key, ConsistentRead: true }));
    await server.store.getRun('r1');
    assert.equal(changed(), false, 'reads change nothing');

    // a cancel request from another process, as `sci cancel` writes it
    await client.client.send(
      new UpdateItemCommand({
        TableName: client.tableName,
        Key: key,
        UpdateExpression: 'SET cancelRequested = :at',
        ExpressionAttributeValues: { ':at': { S: new Date().toISOString() } },
      }),
    );
    assert.equal(changed(), true, 'a client’s write is answered by the server');
    assert.equal(changed(), false);
    await server.store.markAbandoned('r1', 'abandoned');
    assert.equal(changed(), true, 'and its own');
  });
});
