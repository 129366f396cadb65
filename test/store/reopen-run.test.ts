/** A redrive's store writes on real dynalite: the one move back, and only from a failed or cancelled run. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { aRun, someSteps } from './records.ts';
import { startTestTable, type TestTable } from './local-table.ts';

describe('reopenRun (redrive) on real dynalite', () => {
  let t: TestTable;
  let n = 0;
  before(async () => (t = await startTestTable()));
  after(() => t.close());

  /** A run of three steps that ended `status`: s000 succeeded, s001 failed, s002 skipped. */
  const ended = async (status: 'failed' | 'cancelled' | 'succeeded') => {
    const id = `redrive-${n++}`;
    await t.store.createRun(aRun({ id }), someSteps(id, 3));
    await t.store.transitionRun(id, 'running');
    await t.store.transitionStep(id, 's000', 'running', {
      startedAt: '2026-01-02T03:04:06.000Z',
      incrementAttempts: true,
    });
    await t.store.transitionStep(id, 's000', 'succeeded', { endedAt: '2026-01-02T03:04:07.000Z' });
    await t.store.transitionStep(id, 's001', 'running', {
      startedAt: '2026-01-02T03:04:07.000Z',
      incrementAttempts: true,
    });
    await t.store.transitionStep(id, 's001', 'failed', {
      endedAt: '2026-01-02T03:04:08.000Z',
      reason: 'failed (States.TaskFailed)',
    });
    await t.store.transitionStep(id, 's002', 'skipped', { reason: 'needs did not succeed' });
    await t.documentClient.send(
      new PutCommand({ TableName: t.tableName, Item: { pk: `RUN#${id}`, sk: 'GATE#s002#0', done: 1 } }),
    );
    // the redriven execution may signal its own attempt's gate before the run is reopened (on AWS)
    await t.documentClient.send(
      new PutCommand({ TableName: t.tableName, Item: { pk: `RUN#${id}`, sk: 'GATE#s002#1', done: 1 } }),
    );
    await t.store.transitionRun(id, status, { endedAt: '2026-01-02T03:04:09.000Z', reason: `run ${status}` });
    return id;
  };

  for (const status of ['failed', 'cancelled'] as const) {
    it(`a ${status} run goes back to running, attempt 2, its unsucceeded steps pending, its earlier gates gone`, async () => {
      const id = await ended(status);
      assert.equal(await t.store.reopenRun(id, ['s001', 's002'], '2026-01-02T04:00:00.000Z'), 1);
      const found = await t.store.getRun(id);
      assert.equal(found?.run.status, 'running');
      assert.equal(found?.run.redriveCount, 1);
      assert.equal(found?.run.redrivenAt, '2026-01-02T04:00:00.000Z');
      assert.equal(found?.run.endedAt, undefined);
      assert.equal(found?.run.reason, undefined);
      assert.deepEqual(
        found?.steps.map((s) => [s.key, s.status, s.attempts, s.reason ?? null, s.endedAt ?? null]),
        [
          ['s000', 'succeeded', 1, null, '2026-01-02T03:04:07.000Z'],
          ['s001', 'pending', 1, null, null],
          ['s002', 'pending', 0, null, null],
        ],
      );
      const gates = await t.documentClient.send(
        new QueryCommand({
          TableName: t.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `RUN#${id}` },
        }),
      );
      assert.deepEqual(
        gates.Items?.filter((i) => String(i.sk).startsWith('GATE#')).map((i) => i.sk),
        ['GATE#s002#1'],
      );
      assert.deepEqual(
        (await t.store.listActiveRuns()).map((r) => r.id).filter((x) => x === id),
        [id],
      );
      // the attempt goes on as any other: a step moves forward again, the run ends again
      assert.equal(await t.store.transitionStep(id, 's001', 'running', { incrementAttempts: true }), true);
      assert.equal((await t.store.listSteps(id))[1]?.attempts, 2);
      assert.equal(await t.store.transitionRun(id, 'failed', { endedAt: '2026-01-02T04:01:00.000Z' }), true);
      assert.equal(await t.store.reopenRun(id, ['s001', 's002'], '2026-01-02T05:00:00.000Z'), 2);
    });
  }

  it('a succeeded, running or unknown run is not reopened, and nothing changes', async () => {
    const id = await ended('succeeded');
    assert.equal(await t.store.reopenRun(id, ['s001'], '2026-01-02T04:00:00.000Z'), undefined);
    const found = await t.store.getRun(id);
    assert.equal(found?.run.status, 'succeeded');
    assert.equal(found?.steps[1]?.status, 'failed');
    const running = `redrive-${n++}`;
    await t.store.createRun(aRun({ id: running }), someSteps(running, 1));
    await t.store.transitionRun(running, 'running');
    assert.equal(await t.store.reopenRun(running, ['s000'], '2026-01-02T04:00:00.000Z'), undefined);
    assert.equal(await t.store.reopenRun('nope', [], '2026-01-02T04:00:00.000Z'), undefined);
  });

  it('a step that succeeded is never reopened, even when named', async () => {
    const id = await ended('failed');
    await t.store.reopenRun(id, ['s000', 's001'], '2026-01-02T04:00:00.000Z');
    assert.equal((await t.store.listSteps(id))[0]?.status, 'succeeded');
  });
});
