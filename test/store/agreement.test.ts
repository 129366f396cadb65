/**
 * The compiler's step status writes (in the ASL) and the run store's transitions follow one rule
 * (statemachines/lifecycle.ts). This sends both, for real, to dynalite for every (from, to) pair
 * and checks that each applies exactly when the lifecycle says the step may move.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { compileProgram } from '../../statemachines/compiler/program.ts';
import { validateRepo } from '../../statemachines/pipeline/validate.ts';
import { RUN_PK } from '../../statemachines/compiler/scope.ts';
import { STEP_STATUSES, stepKey, stepMayMove } from '../../statemachines/lifecycle.ts';
import type { StepStatus } from '../../statemachines/pipeline/model.ts';
import type { RunRecord } from '../../src/core/ports.ts';
import { startTestTable, type TestTable } from './local-table.ts';
import { allStates } from '../statemachines/compiler/asl-states.ts';
import { aRun } from './records.ts';

// build has an output: its success is the state machine's write (a build without one records its own
// success through the reporter, src/core/report.ts onBuildState, which is the store's transitionStep).
const PIPELINE = `
on: { push: {} }
steps:
  build: { if: "branch == 'main'", run: make, outputs: [version] }
  approve: { needs: [build], approval: { message: "ship?" } }
`;

interface Write {
  to: StepStatus;
  step: string;
  parameters: Record<string, unknown>;
}

/**
 * Every status write the compiler emits for a step, with its target status. An end write takes its
 * status from `$.end.s` and, when a scope's steps share it (ending.ts), its key from `$.end.k`: the
 * Pass states leading to it set them, so it counts once per (step, status) they can set.
 */
function compiledWrites(): Write[] {
  const { pipelines, diagnostics } = validateRepo([{ path: '.sci/ci.yml', text: PIPELINE }]);
  assert.deepEqual(diagnostics, []);
  const program = compileProgram(pipelines, pipelines, { tableName: 'sci-runs-test' });
  assert.ok(program.ok);
  const states = new Map(
    allStates(program.value.get('ci')!.definition).map(([name, s]): [string, Record<string, unknown>] => [
      name,
      s as unknown as Record<string, unknown>,
    ]),
  );
  const targets = (s: Record<string, unknown>): unknown[] => [
    s.Next,
    s.Default,
    ...((s.Choices as Array<{ Next: string }> | undefined) ?? []).map((c) => c.Next),
  ];
  const into = (name: string) => [...states].filter(([, s]) => targets(s).includes(name));
  /** The step keys the Passes before `name` put at `$.end.k` (through states that leave `$.end` alone). */
  const keysBefore = (name: string, seen = new Set<string>()): string[] =>
    into(name).flatMap(([from, s]) => {
      if (seen.has(from)) return [];
      seen.add(from);
      if (s.ResultPath === '$.end') return [(s.Result as { k: string }).k];
      return keysBefore(from, seen);
    });
  /** (step, status) pairs of the Pass states that enter end write `name`. */
  const endings = (name: string, step: string | undefined): Array<[string, StepStatus]> =>
    [...states]
      .filter(([, s]) => s.Type === 'Pass' && s.Next === name && s.ResultPath === '$.end')
      .flatMap(([from, s]) => {
        const p = s.Parameters as { s: StepStatus; k?: string; 'k.$'?: string };
        if (step !== undefined) return [[step, p.s] as [string, StepStatus]];
        if (p.k !== undefined) return [[p.k, p.s] as [string, StepStatus]];
        assert.equal(p['k.$'], '$.end.k', `${from}: a key the test cannot resolve`);
        return keysBefore(from).map((k) => [k, p.s] as [string, StepStatus]);
      });
  const writes: Write[] = [];
  for (const [name, state] of states) {
    const p = state.Parameters as
      | {
          Key?: { sk?: { S?: string; 'S.$'?: string } };
          ExpressionAttributeValues?: Record<string, { S?: string; 'S.$'?: string }>;
          UpdateExpression?: string;
        }
      | undefined;
    const sk = p?.Key?.sk;
    const shared = sk?.['S.$'] === "States.Format('STEP#{}', $.end.k)";
    if (!p?.UpdateExpression || !(sk?.S?.startsWith('STEP#') || shared)) continue;
    const values = p.ExpressionAttributeValues ?? {};
    const status = values[':s'] ?? values[':waiting'];
    if (status?.S !== undefined) {
      writes.push({ to: status.S as StepStatus, step: sk!.S!.slice('STEP#'.length), parameters: p });
      continue;
    }
    assert.equal(status?.['S.$'], '$.end.s', `${name}: a status the test cannot resolve`);
    const fed = endings(name, shared ? undefined : sk!.S!.slice('STEP#'.length));
    assert.ok(fed.length > 0, `${name}: no Pass state sets its status`);
    for (const [step, to] of fed) {
      const key = { ...p.Key, sk: { S: `STEP#${step}` } };
      const parameters = { ...p, Key: key, ExpressionAttributeValues: { ...values, ':s': { S: to } } };
      writes.push({ to, step, parameters });
    }
  }
  return writes;
}

/** The write as Step Functions would send it: JSONPath values resolved for run `runId`. */
function resolved(parameters: Record<string, unknown>, runId: string): UpdateItemCommandInput {
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (typeof value !== 'object' || value === null) return value;
    if (value === RUN_PK || JSON.stringify(value) === JSON.stringify(RUN_PK)) return { S: `RUN#${runId}` };
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => (k.endsWith('.$') ? [k.slice(0, -2), 'resolved'] : [k, resolve(v)])),
    );
  };
  return resolve(parameters) as UpdateItemCommandInput;
}

const RUN: RunRecord = aRun({
  id: 'R',
  repo: 'o/r',
  actor: 'me',
  status: 'running',
  createdAt: '2026-01-02T03:04:05.000Z',
});

describe('one lifecycle: the compiled status writes and the store agree on dynalite', () => {
  let table: TestTable;
  const writes = compiledWrites();
  before(async () => {
    table = await startTestTable();
  });
  after(() => table.close());

  /** A fresh run whose step `step` is at `from`. */
  async function stepAt(runId: string, step: string, from: StepStatus): Promise<void> {
    const steps = ['build', 'approve'].map((key, order) => ({
      runId,
      key,
      name: key,
      kind: key === 'approve' ? ('approval' as const) : ('run' as const),
      order,
      status: 'pending' as const,
      attempts: 0,
    }));
    assert.equal(await table.store.createRun({ ...RUN, id: runId }, steps), true);
    await table.documentClient.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: stepKey(runId, step),
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': from },
      }),
    );
  }

  async function applied(run: () => Promise<unknown>): Promise<boolean> {
    try {
      await run();
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  test('the compiler writes succeeded, failed and skipped for a run step, and waiting for an approval', () => {
    const targets = new Set(writes.map((w) => `${w.step}:${w.to}`));
    for (const expected of ['build:succeeded', 'build:failed', 'build:skipped', 'approve:waiting'])
      assert.ok(targets.has(expected), expected);
  });

  let n = 0;
  const pairs = [...new Map(writes.map((w) => [`${w.step}:${w.to}`, w])).values()];
  for (const write of pairs) {
    for (const from of STEP_STATUSES) {
      test(`${write.step}: ${from} → ${write.to}`, async () => {
        const expected = stepMayMove(from, write.to);
        n += 1;
        const compiledRun = `C${n}`;
        await stepAt(compiledRun, write.step, from);
        const byCompiler = await applied(() =>
          table.client.send(
            new UpdateItemCommand({ ...resolved(write.parameters, compiledRun), TableName: table.tableName }),
          ),
        );
        const storeRun = `S${n}`;
        await stepAt(storeRun, write.step, from);
        const byStore = await table.store.transitionStep(storeRun, write.step, write.to, {
          endedAt: '2026-01-02T03:05:00.000Z',
        });
        assert.deepEqual({ byCompiler, byStore }, { byCompiler: expected, byStore: expected });
      });
    }
  }
});
