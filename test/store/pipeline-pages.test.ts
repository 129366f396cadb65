/** The dashboard's reads on a real dynalite: the pipeline registry and key-paginated, filtered run pages. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { homeView } from '../../src/core/dashboard.ts';
import { aRun, someSteps } from './records.ts';
import { fixedClock, startTestTable, type TestTable } from './local-table.ts';
import { DynamoRunStore } from '../../src/store/dynamo-run-store.ts';
import { PIPELINES_PK } from '../../src/store/pipeline-pages.ts';

let table: TestTable;

const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();

describe('the registry and the run pages of one table', () => {
  before(async () => {
    table = await startTestTable();
    for (let i = 0; i < 23; i++) {
      const id = `R${String(i).padStart(3, '0')}`;
      const run = aRun({
        id,
        createdAt: at(i),
        branch: i % 3 === 0 ? 'feature' : 'main',
        status: i % 5 === 0 ? 'failed' : 'succeeded',
        event: i % 2 ? 'push' : 'manual',
      });
      await table.store.createRun(run, someSteps(id, 1));
    }
    await table.store.createRun(aRun({ id: 'D1', pipeline: 'deploy/prod', createdAt: at(1) }), someSteps('D1', 1));
    await table.store.createRun(aRun({ id: 'D2', pipeline: 'deploy/eu/prod', createdAt: at(2) }), someSteps('D2', 1));
    await table.store.createRun(aRun({ id: 'X1', repo: 'octo/other', createdAt: at(3) }), someSteps('X1', 1));
  });

  after(() => table.close());

  describe('pipeline registry', () => {
    test('lists each pipeline once, with its newest run time', async () => {
      const pipelines = await table.store.listPipelines();
      assert.deepEqual(pipelines.map((p) => `${p.repo} ${p.pipeline} ${p.lastRunAt}`).sort(), [
        `octo/app ci ${at(22)}`,
        `octo/app deploy/eu/prod ${at(2)}`,
        `octo/app deploy/prod ${at(1)}`,
        `octo/other ci ${at(3)}`,
      ]);
    });

    test('home groups pipelines by folder, each with its last runs newest first', async () => {
      const home = await homeView(table.store);
      const app = home.repos.find((r) => r.repo === 'octo/app')!.root;
      assert.deepEqual(
        app.pipelines.map((p) => p.name),
        ['ci'],
      );
      assert.deepEqual(
        app.pipelines[0]!.recent.map((r) => r.id),
        ['R022', 'R021', 'R020', 'R019', 'R018'],
      );
      const deploy = app.folders[0]!;
      assert.equal(deploy.path, 'deploy');
      assert.deepEqual(
        deploy.pipelines.map((p) => p.pipeline),
        ['deploy/prod'],
      );
      assert.deepEqual(
        deploy.folders.map((f) => [f.path, f.pipelines.map((p) => p.name)]),
        [['deploy/eu', ['prod']]],
      );
    });

    test("a listed run's new status shows on the home page; an older run committed late does not displace newer ones", async () => {
      await table.store.createRun(aRun({ id: 'D3', pipeline: 'deploy/prod', createdAt: at(30) }), someSteps('D3', 1));
      assert.ok(await table.store.transitionRun('D3', 'running', { startedAt: at(31) }));
      await table.store.createRun(aRun({ id: 'D0', pipeline: 'deploy/prod', createdAt: at(0) }), someSteps('D0', 1));
      const prod = (await table.store.listPipelines()).find((p) => p.pipeline === 'deploy/prod')!;
      assert.deepEqual(
        prod.recent.map((r) => `${r.id} ${r.status}`),
        ['D3 running', 'D1 queued', 'D0 queued'],
      );
      assert.equal(prod.lastRunAt, at(30));
    });
  });

  describe('pageRuns', () => {
    test('pages follow each other newest first, without overlap, and the last has no next', async () => {
      const ids: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await table.store.pageRuns({
          repo: 'octo/app',
          pipeline: 'ci',
          limit: 10,
          ...(after ? { after } : {}),
        });
        ids.push(...page.runs.map((r) => r.id));
        after = page.next;
        pages++;
      } while (after);
      assert.equal(pages, 3);
      assert.deepEqual(
        ids,
        Array.from({ length: 23 }, (_, i) => `R${String(22 - i).padStart(3, '0')}`),
      );
    });

    test('a page that ends exactly at the last run says there is no next page', async () => {
      const first = await table.store.pageRuns({ repo: 'octo/app', pipeline: 'ci', limit: 20 });
      const last = await table.store.pageRuns({ repo: 'octo/app', pipeline: 'ci', limit: 3, after: first.next! });
      assert.equal(last.runs.length, 3);
      assert.equal(last.next, undefined);
    });

    for (const [filter, expected] of [
      [{ branch: 'feature' }, [21, 18, 15, 12, 9, 6, 3, 0]],
      [{ status: 'failed' as const }, [20, 15, 10, 5, 0]],
      [{ branch: 'feature', status: 'failed' as const, event: 'manual' as const }, [0]],
    ] as const) {
      test(`filters by ${JSON.stringify(filter)}, across pages`, async () => {
        const ids: string[] = [];
        let after: string | undefined;
        do {
          const page = await table.store.pageRuns({
            repo: 'octo/app',
            pipeline: 'ci',
            limit: 3,
            filter,
            ...(after ? { after } : {}),
          });
          ids.push(...page.runs.map((r) => r.id));
          after = page.next;
        } while (after);
        assert.deepEqual(
          ids,
          expected.map((i) => `R${String(i).padStart(3, '0')}`),
        );
      });
    }

    test('a filter reads at most scanLimit runs per page and continues with next', async () => {
      const page = await table.store.pageRuns({
        repo: 'octo/app',
        pipeline: 'ci',
        limit: 5,
        filter: { branch: 'nowhere' },
        scanLimit: 10,
      });
      assert.deepEqual(page.runs, []);
      assert.ok(page.next, 'more runs remain to look at');
    });

    test('a forged cursor is refused', async () => {
      await assert.rejects(
        table.store.pageRuns({ repo: 'octo/app', pipeline: 'ci', limit: 5, after: 'not-a-cursor' }),
        /not a page cursor/,
      );
    });
  });
});

describe('a store that remembers its registry writes (the local store)', () => {
  let own: TestTable;
  let remembering: DynamoRunStore;
  let registryReads = 0;
  before(async () => {
    own = await startTestTable(fixedClock(), 'sci-runs-remember');
    remembering = new DynamoRunStore(own.documentClient, own.tableName, {
      clock: fixedClock(),
      rememberRegistryWrites: true,
    });
    own.client.middlewareStack.add(
      (next, context) => async (args) => {
        // the document client's commands reach this stack as GetItem with its key marshalled or not
        const pk = (args.input as { Key?: { pk?: string | { S?: string } } }).Key?.pk;
        const read = context.commandName === 'GetItemCommand' || context.commandName === 'GetCommand';
        if (read && (pk === PIPELINES_PK || (typeof pk === 'object' && pk.S === PIPELINES_PK))) registryReads++;
        return next(args);
      },
      { step: 'initialize', name: 'countRegistryReads' },
    );
  });
  after(() => own.close());

  const listed = async (pipeline: string) =>
    (await own.store.listPipelines()).find((p) => p.pipeline === pipeline)!.recent.map((r) => `${r.id} ${r.status}`);

  test("a run's creation, start and end read the registry item once: the later writes start from the last put", async () => {
    const reads = registryReads;
    await remembering.createRun(aRun({ id: 'M1', pipeline: 'memo', createdAt: at(1) }), someSteps('M1', 1));
    assert.ok(await remembering.transitionRun('M1', 'running', { startedAt: at(2) }));
    assert.ok(await remembering.transitionRun('M1', 'succeeded', { endedAt: at(3) }));
    assert.equal(registryReads - reads, 1);
    assert.deepEqual(await listed('memo'), ['M1 succeeded']);
  });

  test('another writer in between: the put of the guess fails its version, and the store reads and keeps both', async () => {
    await remembering.createRun(aRun({ id: 'G1', pipeline: 'guess', createdAt: at(1) }), someSteps('G1', 1));
    await own.store.createRun(aRun({ id: 'G2', pipeline: 'guess', createdAt: at(2) }), someSteps('G2', 1));
    const reads = registryReads;
    assert.ok(await remembering.transitionRun('G1', 'running', { startedAt: at(3) }));
    assert.equal(registryReads - reads, 1);
    assert.deepEqual(await listed('guess'), ['G2 queued', 'G1 running']);
  });

  test('a run the remembered item does not list is looked up, not taken as gone from the newest', async () => {
    await remembering.createRun(aRun({ id: 'L1', pipeline: 'late', createdAt: at(1) }), someSteps('L1', 1));
    await own.store.createRun(aRun({ id: 'L2', pipeline: 'late', createdAt: at(2) }), someSteps('L2', 1));
    assert.ok(await remembering.transitionRun('L2', 'running', { startedAt: at(3) }));
    assert.deepEqual(await listed('late'), ['L2 running', 'L1 queued']);
  });
});
