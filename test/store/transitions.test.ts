import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { RunStatus, StepStatus } from '../../statemachines/pipeline/model.ts';
import { aRun, someSteps } from './records.ts';
import { startTestTable, type TestTable } from './local-table.ts';

// Rank: run queued < running < terminal; step pending < running|waiting < terminal. Terminal is final.
const RUN_PATHS: Record<RunStatus, RunStatus[]> = {
  queued: [],
  running: ['running'],
  succeeded: ['succeeded'],
  failed: ['failed'],
  cancelled: ['cancelled'],
};
const STEP_PATHS: Record<StepStatus, StepStatus[]> = {
  pending: [],
  running: ['running'],
  waiting: ['waiting'],
  succeeded: ['succeeded'],
  failed: ['failed'],
  skipped: ['skipped'],
  cancelled: ['cancelled'],
};
const RUN_RANK: Record<RunStatus, number> = { queued: 0, running: 1, succeeded: 2, failed: 2, cancelled: 2 };
const STEP_RANK: Record<StepStatus, number> = {
  pending: 0,
  running: 1,
  waiting: 1,
  succeeded: 2,
  failed: 2,
  skipped: 2,
  cancelled: 2,
};

describe('status transitions on real dynalite', () => {
  let t: TestTable;
  let n = 0;
  before(async () => (t = await startTestTable()));
  after(() => t.close());

  const runIn = async (status: RunStatus) => {
    const id = `run-${n++}`;
    assert.equal(await t.store.createRun(aRun({ id }), someSteps(id, 1)), true);
    for (const step of RUN_PATHS[status]) assert.equal(await t.store.transitionRun(id, step), true);
    return id;
  };
  const stepIn = async (status: StepStatus) => {
    const id = `run-${n++}`;
    await t.store.createRun(aRun({ id }), someSteps(id, 1));
    for (const step of STEP_PATHS[status]) assert.equal(await t.store.transitionStep(id, 's000', step), true);
    return id;
  };

  for (const from of Object.keys(RUN_RANK) as RunStatus[]) {
    for (const to of Object.keys(RUN_RANK) as RunStatus[]) {
      const forward = RUN_RANK[from] < RUN_RANK[to];
      it(`run ${from} → ${to}: ${forward ? 'applied' : 'refused'}`, async () => {
        const id = await runIn(from);
        assert.equal(await t.store.transitionRun(id, to, { reason: 'test' }), forward);
        assert.equal((await t.store.getRun(id))?.run.status, forward ? to : from);
      });
    }
  }

  for (const from of Object.keys(STEP_RANK) as StepStatus[]) {
    for (const to of Object.keys(STEP_RANK) as StepStatus[]) {
      const forward = STEP_RANK[from] < STEP_RANK[to];
      it(`step ${from} → ${to}: ${forward ? 'applied' : 'refused'}`, async () => {
        const id = await stepIn(from);
        assert.equal(await t.store.transitionStep(id, 's000', to, { reason: 'test' }), forward);
        const [step] = await t.store.listSteps(id);
        assert.equal(step?.status, forward ? to : from);
      });
    }
  }

  it('a duplicate transition is a no-op that changes nothing', async () => {
    const id = await runIn('running');
    assert.equal(
      await t.store.transitionStep(id, 's000', 'failed', { endedAt: '2026-01-02T03:05:00.000Z', reason: 'exit 1' }),
      true,
    );
    assert.equal(
      await t.store.transitionStep(id, 's000', 'failed', { endedAt: '2026-01-02T09:00:00.000Z', reason: 'late copy' }),
      false,
    );
    const [step] = await t.store.listSteps(id);
    assert.deepEqual([step?.status, step?.endedAt, step?.reason], ['failed', '2026-01-02T03:05:00.000Z', 'exit 1']);
  });

  it('conflicting transitions racing: exactly one wins and its values stick', async () => {
    const id = await runIn('running');
    const targets: RunStatus[] = ['succeeded', 'failed', 'cancelled', 'failed', 'succeeded', 'cancelled'];
    const results = await Promise.all(targets.map((to, i) => t.store.transitionRun(id, to, { reason: `writer ${i}` })));
    assert.equal(results.filter(Boolean).length, 1);
    const winner = results.indexOf(true);
    const { run } = (await t.store.getRun(id))!;
    assert.deepEqual([run.status, run.reason], [targets[winner], `writer ${winner}`]);
  });

  it('racing step writers: one terminal status wins', async () => {
    const id = await stepIn('running');
    const results = await Promise.all(
      (['succeeded', 'failed', 'cancelled', 'skipped'] as const).map((to) => t.store.transitionStep(id, 's000', to)),
    );
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('counts attempts atomically, once per attempt id', async () => {
    const id = await stepIn('pending');
    const starts = Array.from({ length: 8 }, (_, i) =>
      t.store.transitionStep(id, 's000', 'running', {
        incrementAttempts: true,
        attemptId: `build-${i % 4}`,
        startedAt: `2026-01-02T03:0${i}:00.000Z`,
      }),
    );
    const applied = (await Promise.all(starts)).filter(Boolean).length;
    const [step] = await t.store.listSteps(id);
    assert.equal(applied, 4);
    assert.equal(step?.attempts, 4);
    assert.equal(step?.status, 'running');
  });

  it('a new attempt without an id always counts; startedAt keeps the first start', async () => {
    const id = await stepIn('pending');
    await t.store.transitionStep(id, 's000', 'running', {
      incrementAttempts: true,
      startedAt: '2026-01-02T03:00:00.000Z',
    });
    await t.store.transitionStep(id, 's000', 'running', {
      incrementAttempts: true,
      startedAt: '2026-01-02T03:10:00.000Z',
    });
    const [step] = await t.store.listSteps(id);
    assert.deepEqual([step?.attempts, step?.startedAt], [2, '2026-01-02T03:00:00.000Z']);
    assert.equal(
      await t.store.transitionStep(id, 's000', 'running', { startedAt: 'x' }),
      false,
      'running again without a new attempt is a duplicate',
    );
  });

  it('racing creations of one run id: exactly one succeeds', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        t.store.createRun(aRun({ id: 'same-id', actor: `creator ${i}` }), someSteps('same-id', 3)),
      ),
    );
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal((await t.store.getRun('same-id'))?.run.actor, `creator ${results.indexOf(true)}`);
  });

  it('any sequence of step writes ends where the rank rules say (property, against a model)', async () => {
    const statuses = Object.keys(STEP_RANK) as StepStatus[];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...statuses), { minLength: 1, maxLength: 8 }), async (writes) => {
        const id = await stepIn('pending');
        let model: StepStatus = 'pending';
        for (const to of writes) {
          const expected: boolean = STEP_RANK[model] < STEP_RANK[to];
          assert.equal(await t.store.transitionStep(id, 's000', to), expected, `${model} → ${to}`);
          if (expected) model = to;
        }
        assert.equal((await t.store.listSteps(id))[0]?.status, model);
      }),
      { numRuns: 40, seed: 20260102 },
    );
  });

  it('refuses transitions of runs and steps that do not exist', async () => {
    assert.equal(await t.store.transitionRun('nope', 'running'), false);
    assert.equal(await t.store.transitionStep('nope', 's000', 'running'), false);
  });
});
