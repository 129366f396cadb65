import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoRunStore } from '../../src/store/dynamo-run-store.ts';
import { mockInstance } from '../mock-instance.ts';

// Pins the contract the compiled state machines rely on too: attribute names, status values,
// and the "only from an earlier status" condition of a step's terminal write.
describe('step transition UpdateItem (contract)', () => {
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local' }));
  const mock = mockInstance(documentClient);
  const store = new DynamoRunStore(documentClient, 'sci-runs', { newWriteId: () => 'w-1' });
  beforeEach(() => {
    mock.reset();
    mock.on(UpdateCommand).resolves({});
    mock.on(QueryCommand).resolves({ Items: [] });
    mock.on(GetCommand).resolves({});
  });

  it('a terminal step write is conditional on pending, running or waiting', async () => {
    assert.equal(
      await store.transitionStep('01JD', 'test_node_20', 'succeeded', {
        endedAt: '2026-01-02T03:04:05.000Z',
        reason: 'exit 0',
      }),
      true,
    );
    assert.deepEqual(mock.commandCalls(UpdateCommand)[0]?.args[0].input, {
      TableName: 'sci-runs',
      Key: { pk: 'RUN#01JD', sk: 'STEP#test_node_20' },
      UpdateExpression: 'SET #status = :to, #endedAt = :endedAt, #reason = :reason, #writeId = :writeId',
      ConditionExpression: 'attribute_exists(pk) AND #status IN (:from0, :from1, :from2)',
      ExpressionAttributeNames: {
        '#status': 'status',
        '#endedAt': 'endedAt',
        '#reason': 'reason',
        '#writeId': 'writeId',
      },
      ExpressionAttributeValues: {
        ':to': 'succeeded',
        ':from0': 'pending',
        ':from1': 'running',
        ':from2': 'waiting',
        ':endedAt': '2026-01-02T03:04:05.000Z',
        ':reason': 'exit 0',
        ':writeId': 'w-1',
      },
    });
  });

  it('a build start is conditional on pending, or running for a new attempt id', async () => {
    await store.transitionStep('01JD', 'build', 'running', {
      startedAt: '2026-01-02T03:04:05.000Z',
      incrementAttempts: true,
      attemptId: 'build:1',
    });
    const input = mock.commandCalls(UpdateCommand)[0]?.args[0].input;
    assert.equal(
      input?.UpdateExpression,
      'SET #status = :to, #writeId = :writeId, #startedAt = if_not_exists(#startedAt, :startedAt) ADD #attemptIds :attemptIds, #attempts :one',
    );
    assert.equal(
      input?.ConditionExpression,
      'attribute_exists(pk) AND (#status IN (:from0) OR #status = :to) AND (attribute_not_exists(#attemptIds) OR NOT contains(#attemptIds, :attemptId))',
    );
    assert.deepEqual(input?.ExpressionAttributeValues, {
      ':to': 'running',
      ':from0': 'pending',
      ':writeId': 'w-1',
      ':startedAt': '2026-01-02T03:04:05.000Z',
      ':attemptId': 'build:1',
      ':attemptIds': new Set(['build:1']),
      ':one': 1,
    });
  });

  it('a run write is conditional on the run being committed and earlier; a terminal run leaves the active index', async () => {
    await store.transitionRun('01JD', 'running');
    await store.transitionRun('01JD', 'failed', { endedAt: 'e', reason: 'r' });
    const [running, failed] = mock.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    assert.equal(running?.ConditionExpression, '#committed = :true AND #status IN (:from0)');
    assert.equal(running?.UpdateExpression, 'SET #status = :status, #writeId = :writeId');
    assert.equal(
      failed?.UpdateExpression,
      'SET #status = :status, #endedAt = :endedAt, #reason = :reason, #writeId = :writeId REMOVE gsi3pk, gsi3sk',
    );
    assert.deepEqual(failed?.ExpressionAttributeValues, {
      ':status': 'failed',
      ':endedAt': 'e',
      ':reason': 'r',
      ':writeId': 'w-1',
      ':from0': 'queued',
      ':from1': 'running',
      ':true': true,
    });
  });

  it('turns a failed condition into "not applied", unless the item carries this write id', async () => {
    mock
      .on(UpdateCommand)
      .rejects(Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' }));
    mock.on(GetCommand).resolves({ Item: { writeId: 'someone else' } });
    assert.equal(await store.transitionStep('01JD', 'build', 'failed'), false);
    mock.on(GetCommand).resolves({ Item: { writeId: 'w-1' } });
    assert.equal(await store.transitionStep('01JD', 'build', 'failed'), true);
    mock.on(UpdateCommand).rejects(Object.assign(new Error('boom'), { name: 'InternalServerError' }));
    await assert.rejects(store.transitionStep('01JD', 'build', 'failed'), /boom/);
  });

  it('a delivery is one conditional PutItem and nothing else (the webhook may only put deliveries)', async () => {
    mock
      .on(PutCommand)
      .resolvesOnce({})
      .rejects(Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' }));
    assert.equal(await store.recordDelivery('42', 'g-1', { event: 'push' }), true);
    assert.equal(await store.recordDelivery('42', 'g-1', { event: 'push' }), false);
    const input = mock.commandCalls(PutCommand)[0]?.args[0].input;
    assert.deepEqual(
      [input?.Item?.pk, input?.Item?.sk, input?.ConditionExpression],
      ['DELIVERY#42#g-1', '#DELIVERY', 'attribute_not_exists(pk) OR writeId = :writeId'],
    );
    assert.equal(mock.calls().length, 2);
  });
});
