/** The webhook's raw delivery put against a real dynalite table, read back through the run store. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDeliveryRecords } from '../../src/aws/delivery-records.ts';
import { openLocalStore, type LocalStore } from '../../local/store/dynalite-server.ts';

let home: string;
let local: LocalStore;
const now = new Date('2026-11-27T05:00:00.000Z');

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'sci-delivery-records-'));
  local = await openLocalStore(home);
});

after(async () => {
  await local.close();
  rmSync(home, { recursive: true, force: true });
});

describe('DynamoDeliveryRecords', () => {
  test('writes the store’s delivery item once; the run store sees it and vice versa', async () => {
    const records = new DynamoDeliveryRecords(local.client, local.tableName, { clock: { now: () => now } });
    assert.equal(await records.recordDelivery('7', 'g-1', { event: 'push', repo: 'o/r' }), true);
    assert.equal(await records.recordDelivery('7', 'g-1', { event: 'push', repo: 'o/r' }), false, 'second put refused');
    assert.equal(await local.store.recordDelivery('7', 'g-1', {}), false, 'the store sees the record');
    assert.equal(await local.store.recordDelivery('7', 'g-2', {}), true);
    assert.equal(await records.recordDelivery('7', 'g-2', {}), false, 'and the other way round');
    const item = (
      await local.client.send(
        new GetItemCommand({
          TableName: local.tableName,
          Key: { pk: { S: 'DELIVERY#7#g-1' }, sk: { S: '#DELIVERY' } },
        }),
      )
    ).Item;
    assert.deepEqual(item?.details, { M: { event: { S: 'push' }, repo: { S: 'o/r' } } });
    assert.equal(item?.expiresAt?.N, String(Math.floor(now.getTime() / 1000) + 4 * 86_400), 'TTL ≥ 3 days');
  });

  test('a retry of the same write (same writeId) passes again', async () => {
    const records = new DynamoDeliveryRecords(local.client, local.tableName, { newWriteId: () => 'w-1' });
    assert.equal(await records.recordDelivery('7', 'g-3', {}), true);
    assert.equal(await records.recordDelivery('7', 'g-3', {}), true);
  });
});
