import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoRunStore } from '../../src/store/dynamo-run-store.ts';
import { PIPELINES_PK } from '../../src/store/pipeline-pages.ts';
import { pipelinePk } from '../../statemachines/lifecycle.ts';
import { ensureTable, localClient, startDynalite, type RunningDynalite } from '../../local/store/dynalite.ts';
import { aRun, someSteps } from './records.ts';

// A write whose response is lost is sent again (SDK retries on AWS, reconnects locally). Here
// every write reaches dynalite twice; the second copy fails its condition, and the store must
// still answer "applied" because the item carries the call's own write id.
describe('writes sent twice (lost responses) on real dynalite', () => {
  let server: RunningDynalite;
  let store: DynamoRunStore;
  let plain: DynamoRunStore;
  let documents: DynamoDBDocumentClient;
  before(async () => {
    server = await startDynalite();
    const inProcess = () => server.inProcess;
    const twice = localClient(() => server.endpoint, { inProcess });
    await ensureTable(twice, 'sci-runs-twice');
    twice.middlewareStack.add(
      (next, context) => async (args) => {
        if (['PutItemCommand', 'UpdateItemCommand'].includes(context.commandName ?? '')) await next(args);
        return next(args);
      },
      { step: 'initialize', name: 'sendTwice' },
    );
    store = new DynamoRunStore(DynamoDBDocumentClient.from(twice), 'sci-runs-twice');
    documents = DynamoDBDocumentClient.from(localClient(() => server.endpoint, { inProcess }));
    plain = new DynamoRunStore(documents, 'sci-runs-twice');
  });
  after(() => server.close());

  it('createRun, transitions and deliveries answer true once, and a real duplicate still answers false', async () => {
    assert.equal(await store.createRun(aRun({ id: 'lost' }), someSteps('lost', 2)), true);
    assert.equal((await plain.getRun('lost'))?.steps.length, 2);
    assert.equal(await store.transitionRun('lost', 'running'), true);
    assert.equal(await store.transitionStep('lost', 's000', 'succeeded'), true);
    assert.equal(await store.recordDelivery('7', 'g', {}), true);
    assert.equal(await store.createRun(aRun({ id: 'lost' }), []), false);
    assert.equal(await store.transitionRun('lost', 'running'), false);
    assert.equal(await store.transitionStep('lost', 's000', 'failed'), false);
    assert.equal(await store.recordDelivery('7', 'g', {}), false);
  });

  it("the pipeline registry's put sent twice applies once: not taken for a race and written again", async () => {
    const run = aRun({ id: 'listed', pipeline: 'registry' });
    await store.createRun(run, someSteps('listed', 1));
    const key = { pk: PIPELINES_PK, sk: pipelinePk(run.repo, run.pipeline) };
    const { Item } = await documents.send(new GetCommand({ TableName: 'sci-runs-twice', Key: key }));
    assert.deepEqual([Item?.version, Item?.recent.map((r: { id: string }) => r.id)], [1, ['listed']]);
  });

  it('a new attempt sent twice counts once', async () => {
    await store.createRun(aRun({ id: 'att' }), someSteps('att', 1));
    assert.equal(
      await store.transitionStep('att', 's000', 'running', { incrementAttempts: true, attemptId: 'b1' }),
      true,
    );
    assert.equal(await store.transitionStep('att', 's000', 'running', { incrementAttempts: true }), true);
    assert.equal((await plain.listSteps('att'))[0]?.attempts, 2);
  });
});
