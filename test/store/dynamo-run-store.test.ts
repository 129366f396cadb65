import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoRunStore } from '../../src/store/dynamo-run-store.ts';
import type { StoreError } from '../../src/store/errors.ts';
import { aRun, someSteps } from './records.ts';
import { fixedClock, startTestTable, type TestTable } from './local-table.ts';

const NOW = '2026-01-02T03:04:05.000Z';
const NOW_S = Date.parse(NOW) / 1000;

/** A run of octo/grp created at second `second` of 2026, arriving in `group`. */
const groupEntrant = (id: string, second: number, group: string) => ({
  id,
  repo: 'octo/grp',
  group,
  createdAt: `2026-01-01T00:00:0${second}.000Z`,
});

describe('DynamoRunStore on real dynalite', () => {
  let t: TestTable;
  before(async () => (t = await startTestTable(fixedClock(NOW))));
  after(() => t.close());
  const raw = async (pk: string, sk: string) =>
    (await t.documentClient.send(new GetCommand({ TableName: t.tableName, Key: { pk, sk } }))).Item;

  it('creates a run with its steps in plan order; a second create of the id is refused', async () => {
    const steps = someSteps('big', 130).reverse(); // > 100 items: several batches
    assert.equal(await t.store.createRun(aRun({ id: 'big' }), steps), true);
    assert.equal(await t.store.createRun(aRun({ id: 'big', pipeline: 'other' }), someSteps('big', 1)), false);
    const got = await t.store.getRun('big');
    assert.equal(got?.run.pipeline, 'ci');
    assert.equal(got?.steps.length, 130);
    assert.deepEqual(
      got?.steps.map((s) => s.order),
      [...Array(130).keys()],
    );
  });

  it('keeps optional fields absent and empty strings intact', async () => {
    await t.store.createRun(aRun({ id: 'shape', inputs: { target: 'prod', dry: false, n: 3 } }), someSteps('shape', 1));
    const got = await t.store.getRun('shape');
    assert.deepEqual(got?.run, aRun({ id: 'shape', inputs: { target: 'prod', dry: false, n: 3 } }));
    assert.deepEqual(got?.steps, someSteps('shape', 1));
  });

  it('never shows a half-created run: uncommitted runs are invisible to every reader', async () => {
    // What a creator that died after writing the run item and some steps leaves behind.
    await t.documentClient.send(
      new PutCommand({
        TableName: t.tableName,
        Item: {
          pk: 'RUN#half',
          sk: '#RUN',
          type: 'run',
          ...aRun({ id: 'half', repo: 'octo/half' }),
          stepCount: 3,
          committed: false,
          expiresAt: 1,
        },
      }),
    );
    assert.equal(await t.store.getRun('half'), undefined);
    assert.deepEqual(await t.store.listSteps('half'), []);
    assert.deepEqual(await t.store.listRuns({ repo: 'octo/half' }), []);
    assert.equal(
      (await t.store.listRuns({ limit: 1000 })).some((r) => r.id === 'half'),
      false,
    );
    assert.equal(
      (await t.store.listActiveRuns()).some((r) => r.id === 'half'),
      false,
    );
    assert.equal(await t.store.transitionRun('half', 'running'), false);
    assert.equal(await t.store.createRun(aRun({ id: 'half' }), []), false);
  });

  it('rejects steps that do not belong to the run before writing anything', async () => {
    await assert.rejects(
      t.store.createRun(aRun({ id: 'dup' }), [...someSteps('dup', 2), ...someSteps('dup', 1)]),
      (e: StoreError) => e.code === 'invalid-step',
    );
    await assert.rejects(
      t.store.createRun(aRun({ id: 'mine' }), someSteps('theirs', 1)),
      (e: StoreError) => e.code === 'invalid-step',
    );
    assert.equal(await raw('RUN#dup', '#RUN'), undefined);
  });

  it('lists runs newest first by repository, by pipeline, and across repositories', async () => {
    const runs = [
      aRun({ id: 'l1', repo: 'octo/list', pipeline: 'ci', createdAt: '2026-01-01T00:00:01.000Z' }),
      aRun({ id: 'l2', repo: 'octo/list', pipeline: 'deploy/prod', createdAt: '2026-01-01T00:00:02.000Z' }),
      aRun({ id: 'l3', repo: 'octo/list', pipeline: 'ci', createdAt: '2026-01-01T00:00:03.000Z' }),
      aRun({ id: 'l4', repo: 'octo/elsewhere', pipeline: 'ci', createdAt: '2026-01-01T00:00:04.000Z' }),
    ];
    for (const run of runs) await t.store.createRun(run, someSteps(run.id, 1));
    const ids = (list: { id: string }[]) => list.map((r) => r.id);
    assert.deepEqual(ids(await t.store.listRuns({ repo: 'octo/list' })), ['l3', 'l2', 'l1']);
    assert.deepEqual(ids(await t.store.listRuns({ repo: 'octo/list', limit: 2 })), ['l3', 'l2']);
    assert.deepEqual(ids(await t.store.listRuns({ repo: 'octo/list', pipeline: 'ci' })), ['l3', 'l1']);
    assert.deepEqual(ids(await t.store.listRuns({ repo: 'octo/list', pipeline: 'deploy/prod' })), ['l2']);
    assert.deepEqual(
      ids(await t.store.listRuns({ pipeline: 'ci', limit: 1000 })).filter((id) => id.startsWith('l')),
      ['l4', 'l3', 'l1'],
    );
  });

  it('de-duplicates webhook deliveries', async () => {
    assert.equal(await t.store.recordDelivery('42', 'guid-1', { event: 'push' }), true);
    assert.equal(await t.store.recordDelivery('42', 'guid-1', { event: 'push' }), false);
    assert.equal(await t.store.recordDelivery('43', 'guid-1', { event: 'push' }), true);
    const results = await Promise.all(Array.from({ length: 6 }, () => t.store.recordDelivery('42', 'guid-race', {})));
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('sets the TTL attribute on every item: 90 days for runs, 4 for deliveries by default', async () => {
    await t.store.createRun(aRun({ id: 'ttl' }), someSteps('ttl', 1));
    assert.equal((await raw('RUN#ttl', '#RUN'))?.expiresAt, NOW_S + 90 * 86_400);
    assert.equal((await raw('RUN#ttl', 'STEP#s000'))?.expiresAt, NOW_S + 90 * 86_400);
    assert.equal((await raw('DELIVERY#42#guid-1', '#DELIVERY'))?.expiresAt, NOW_S + 4 * 86_400);
    const short = new DynamoRunStore(t.documentClient, t.tableName, {
      clock: fixedClock(NOW),
      runRetentionDays: 7,
      deliveryRetentionDays: 3,
    });
    await short.createRun(aRun({ id: 'ttl7' }), []);
    await short.recordDelivery('1', 'g', {});
    assert.equal((await raw('RUN#ttl7', '#RUN'))?.expiresAt, NOW_S + 7 * 86_400);
    assert.equal((await raw('DELIVERY#1#g', '#DELIVERY'))?.expiresAt, NOW_S + 3 * 86_400);
  });

  it('round-trips an approval: the waiting task token, the first decision wins, a retry gets the token again', async () => {
    await t.store.createRun(aRun({ id: 'appr' }), someSteps('appr', 2, 'approval'));
    await assert.rejects(
      t.store.recordApprovalDecision('appr', 's000', 'approved', 'ann'),
      (e: StoreError) => e.code === 'approval-not-waiting',
    );
    // What the approval task of the state machine writes.
    await t.documentClient.send(
      new UpdateCommand({
        TableName: t.tableName,
        Key: { pk: 'RUN#appr', sk: 'STEP#s000' },
        UpdateExpression: 'SET #s = :w, taskToken = :t',
        ConditionExpression: '#s = :p',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':w': 'waiting', ':t': 'token-123', ':p': 'pending' },
      }),
    );
    assert.equal(await t.store.getApprovalToken('appr', 's000'), 'token-123');
    assert.equal(await t.store.getApprovalToken('appr', 's001'), undefined);
    assert.equal(await t.store.recordApprovalDecision('appr', 's000', 'approved', 'ann'), 'token-123');
    assert.equal(await t.store.recordApprovalDecision('appr', 's000', 'approved', 'bob'), 'token-123');
    await assert.rejects(
      t.store.recordApprovalDecision('appr', 's000', 'rejected', 'bob'),
      (e: StoreError) => e.code === 'approval-already-decided' && /approved by ann/.test(e.message),
    );
    await assert.rejects(
      t.store.recordApprovalDecision('appr', 'nope', 'approved', 'ann'),
      (e: StoreError) => e.code === 'step-not-found',
    );
    const [step] = await t.store.listSteps('appr');
    assert.deepEqual([step?.decision, step?.decidedBy], ['approved', 'ann']);
    await t.store.transitionStep('appr', 's000', 'succeeded');
    assert.equal(await t.store.getApprovalToken('appr', 's000'), undefined);
  });

  it('tracks active runs; a terminal run leaves them and settles its open steps', async () => {
    await t.store.createRun(
      aRun({ id: 'g1', repo: 'octo/grp', createdAt: '2026-01-01T00:00:01.000Z' }),
      someSteps('g1', 3),
    );
    await t.store.transitionRun('g1', 'running');
    await t.store.transitionStep('g1', 's000', 'succeeded');
    await t.store.transitionStep('g1', 's001', 'running');
    assert.equal(
      (await t.store.listActiveRuns()).some((r) => r.id === 'g1'),
      true,
    );
    assert.equal(await t.store.transitionRun('g1', 'cancelled', { endedAt: NOW, reason: 'superseded by g2' }), true);
    assert.equal(
      (await t.store.listActiveRuns()).some((r) => r.id === 'g1'),
      false,
    );
    const steps = await t.store.listSteps('g1');
    assert.deepEqual(
      steps.map((s) => [s.status, s.reason ?? '']),
      [
        ['succeeded', ''],
        ['cancelled', 'superseded by g2'],
        ['cancelled', 'superseded by g2'],
      ],
    );
  });

  it('a concurrency group item: one holder, one waiting run (the newest), handed over when the holder ends', async () => {
    const entrant = (id: string, second: number) => groupEntrant(id, second, 'deploy-main');
    for (const [id, second] of [
      ['h1', 1],
      ['w2', 2],
      ['w3', 3],
    ] as const)
      await t.store.createRun(
        aRun({ id, repo: 'octo/grp', concurrencyGroup: 'deploy-main', createdAt: entrant(id, second).createdAt }),
        [],
      );
    assert.deepEqual(await t.store.claimGroup(entrant('h1', 1), 'free'), { claimed: true, displaced: [] });
    assert.deepEqual(await t.store.claimGroup(entrant('h1', 1), 'free'), { claimed: true, displaced: [] }, 'a retry');
    const refused = await t.store.claimGroup(entrant('w2', 2), 'free');
    assert.deepEqual(refused, { claimed: false, slot: { holder: 'h1', holderKey: '2026-01-01T00:00:01.000Z#h1' } });
    assert.deepEqual(await t.store.waitInGroup(entrant('w2', 2), 'h1'), { waits: true });
    assert.deepEqual(await t.store.waitInGroup(entrant('w3', 3), 'h1'), { waits: true, replaced: 'w2' });
    // an older run arriving late does not replace the newer waiting run, nor waits behind a holder that left
    assert.equal((await t.store.waitInGroup(entrant('w2', 2), 'h1')).waits, false);
    assert.equal((await t.store.waitInGroup(entrant('w3', 3), 'nobody')).waits, false);
    assert.deepEqual(await t.store.markWaiting('w3', 'h1'), true);
    await t.store.transitionRun('h1', 'running');
    await t.store.transitionRun('h1', 'succeeded', { endedAt: NOW });
    assert.deepEqual(await t.store.readGroup('octo/grp', 'deploy-main'), {
      holder: 'w3',
      holderKey: '2026-01-01T00:00:03.000Z#w3',
    });
    const item = await raw('GROUP#octo/grp#deploy-main', '#GROUP');
    assert.equal(item?.expiresAt, NOW_S + 90 * 86_400);
    assert.equal((await t.store.getRun('w3'))?.run.waitingFor, 'h1');
    // a run that was only waiting leaves its place; the holder's end frees the group
    await t.store.transitionRun('w3', 'cancelled', { endedAt: NOW }, { from: 'queued' });
    assert.deepEqual(await t.store.readGroup('octo/grp', 'deploy-main'), {});
    assert.equal(await t.store.markWaiting('w3', 'h1'), false, 'only a queued run waits');
  });

  it('cancel_in_progress: a newer run takes the group from an older holder, never the reverse', async () => {
    const entrant = (id: string, second: number) => groupEntrant(id, second, 'ship');
    await t.store.claimGroup(entrant('c1', 1), 'free');
    await t.store.waitInGroup(entrant('c2', 2), 'c1');
    assert.deepEqual(await t.store.claimGroup(entrant('c3', 3), 'newer'), { claimed: true, displaced: ['c1', 'c2'] });
    assert.equal((await t.store.claimGroup(entrant('c1', 1), 'newer')).claimed, false);
    assert.deepEqual(await t.store.readGroup('octo/grp', 'ship'), {
      holder: 'c3',
      holderKey: '2026-01-01T00:00:03.000Z#c3',
    });
  });

  it('dates the items the state machine created (gates) when the run ends', async () => {
    await t.store.createRun(aRun({ id: 'gate' }), someSteps('gate', 2));
    await t.documentClient.send(
      new UpdateCommand({
        TableName: t.tableName,
        Key: { pk: 'RUN#gate', sk: 'GATE#s001' },
        UpdateExpression: 'ADD #done :one',
        ExpressionAttributeNames: { '#done': 'done' },
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
    assert.equal((await raw('RUN#gate', 'GATE#s001'))?.expiresAt, undefined);
    await t.store.transitionRun('gate', 'succeeded');
    assert.equal((await raw('RUN#gate', 'GATE#s001'))?.expiresAt, NOW_S + 90 * 86_400);
  });

  it('marks an abandoned run failed with its reason, once', async () => {
    await t.store.createRun(aRun({ id: 'ab' }), someSteps('ab', 2));
    await t.store.transitionRun('ab', 'running');
    assert.equal(await t.store.markAbandoned('ab', 'abandoned: engine process 99 exited'), true);
    assert.equal(await t.store.markAbandoned('ab', 'again'), false);
    const got = await t.store.getRun('ab');
    assert.deepEqual(
      [got?.run.status, got?.run.reason, got?.run.endedAt],
      ['failed', 'abandoned: engine process 99 exited', NOW],
    );
    assert.deepEqual(
      got?.steps.map((s) => s.status),
      ['cancelled', 'cancelled'],
    );
  });

  it('binds a run to one execution', async () => {
    await t.store.createRun(aRun({ id: 'ex' }), []);
    assert.equal(await t.store.setRunExecution('ex', 'arn:1'), true);
    assert.equal(await t.store.setRunExecution('ex', 'arn:1'), true);
    assert.equal(await t.store.setRunExecution('ex', 'arn:2'), false);
    assert.equal(await t.store.setRunExecution('missing', 'arn:1'), false);
    assert.equal((await t.store.getRun('ex'))?.run.executionArn, 'arn:1');
  });
});
