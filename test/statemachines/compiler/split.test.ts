/**
 * A pipeline over Step Functions' quotas compiles into a root and parts (split.ts): the 300-step
 * layered DAG of the compile bench (2.3 MB as one machine) becomes machines that each pass asl-validator, the API model
 * of every Task (test/aws) and the quotas; names and contents are deterministic; a pipeline that
 * fits stays one machine. The 1,000-step layered DAG and a 1,000-step chain (on a fifth of the stack: as deep for it
 * as 5,000 steps) are checked against the quotas, every machine of the DAG by asl-validator; the 5,000-step layered
 * DAG and chain in `npm run bench -- compile`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { compilePipeline } from '../../../statemachines/compiler/compile.ts';
import { RESOURCES, type State, type StateMachine } from '../../../statemachines/asl/types.ts';
import { type Estimates, LIMITS } from '../../../statemachines/compiler/limits.ts';
import { foldSmallParts, planParts, stepCount, type PartPlan } from '../../../statemachines/compiler/split.ts';
import type { Block } from '../../../statemachines/compiler/dag.ts';
import { inputShape, validateInput } from '../../aws/api-model.ts';
import { bundledScript } from '../../bundled-script.ts';
import { assertValidAsl } from './asl-valid.ts';
import { compactYaml, dagYaml, layeredDag } from './random-dags.ts';
import { compile, envOf, execute, OUTPUT_READER, plan, splitRun, statusOf } from './harness.ts';

const layered = (n: number): string => dagYaml(layeredDag(n));

const step = (key: string): Block => ({ kind: 'step', key });

describe('splitting a pipeline over the quotas', () => {
  it("cuts a sequence between its items and packs a Parallel's branches, largest first", () => {
    const seq: Block = { kind: 'seq', items: ['a', 'b', 'c', 'd', 'e'].map(step) };
    assert.deepEqual(planParts(seq, 2), {
      kind: 'seq',
      items: [
        { kind: 'part', block: { kind: 'seq', items: [step('a'), step('b')] } },
        { kind: 'part', block: { kind: 'seq', items: [step('c'), step('d')] } },
        { kind: 'part', block: step('e') },
      ],
    });
    const par: Block = {
      kind: 'par',
      branches: [step('a'), { kind: 'seq', items: [step('b'), step('c')] }, step('d')],
    };
    const plan = planParts(par, 2);
    assert.equal(plan.kind, 'par');
    assert.deepEqual(
      plan.kind === 'par' && plan.branches.map((b) => (b.kind === 'part' ? stepCount(b.block) : 0)),
      [2, 2],
    );
    assert.deepEqual(planParts(seq, 5), { kind: 'part', block: seq });
  });

  it('folds the smallest parts back into the root, smallest first, while the root has room', () => {
    const part = (...keys: string[]): PartPlan => ({
      kind: 'part',
      block: keys.length === 1 ? step(keys[0]!) : { kind: 'seq', items: keys.map(step) },
    });
    const plan: PartPlan = {
      kind: 'seq',
      items: [part('a', 'b'), { kind: 'par', branches: [part('c', 'd', 'e', 'f'), part('g')] }, part('h')],
    };
    const inline = (p: PartPlan): string[] =>
      p.kind === 'inline'
        ? [JSON.stringify(p.block)]
        : p.kind === 'part'
          ? []
          : (p.kind === 'seq' ? p.items : p.branches).flatMap(inline);
    // g and h (1 step each) before a, b (2); c-f is over `small`
    assert.deepEqual(
      inline(foldSmallParts(plan, 2, 3)),
      [step('g'), step('h')].map((b) => JSON.stringify(b)),
    );
    assert.deepEqual(inline(foldSmallParts(plan, 2, 4)).length, 3);
    assert.deepEqual(inline(foldSmallParts(plan, 3, 0)), []);
  });

  it('compiles the 300-step layered DAG into machines that each pass asl-validator, the API models and the quotas', () => {
    const result = compile(layered(300), { file: '.sci/big.yml' });
    const { parts } = result;
    assert.ok(parts.length > 1);
    // the root runs the small pieces itself (18 parts before it did, 3 now)
    assert.ok(parts.length <= 4, `${parts.length} parts`);
    assert.deepEqual(
      parts.map((p) => p.id),
      parts.map((_, i) => `big#part-${i + 1}`),
    );
    for (const machine of [result, ...parts]) {
      assert.ok(
        machine.estimates.definitionBytes <= LIMITS.definitionBytes,
        `${machine.estimates.definitionBytes} bytes`,
      );
      assert.ok(
        machine.estimates.maxHistoryEvents <= LIMITS.historyEvents,
        `${machine.estimates.maxHistoryEvents} events`,
      );
      assertValidAsl(machine.json);
    }
    // every part is started by the root, from the execution input's callees, with the run's state
    const calls = result.json.match(/"StateMachineArn\.\$":"\$\.run\.callees\['big#part-\d+'\]"/g) ?? [];
    assert.equal(calls.length, parts.length);
    const tasks = (m: StateMachine): State[] =>
      Object.values(m.States).flatMap((s) => (s.Type === 'Parallel' ? s.Branches.flatMap(tasks) : [s]));
    const call = tasks(result.definition).find((s) => s.Type === 'Task' && s.Resource === RESOURCES.startExecution);
    assert.ok(call && call.Type === 'Task');
    const shape = inputShape('sfn', 'StartExecution');
    assert.deepEqual(
      validateInput('sfn', shape, call.Parameters ?? {}, {
        stepFunctions: true,
        jsonMembers: ['StartExecutionInput.input'],
      }),
      [],
    );
  });

  it('is deterministic: the same file gives the same machines', () => {
    const { pipeline, instances } = plan(layered(60), '.sci/mid.yml');
    const hashes = () => {
      const r = compilePipeline(pipeline, instances, undefined, { partSteps: 15 });
      assert.ok(r.ok);
      return [r.value.hash, ...r.value.parts.map((p) => `${p.id} ${p.hash}`)];
    };
    const first = hashes();
    assert.ok(first.length > 2);
    assert.deepEqual(hashes(), first);
  });

  it('keeps a pipeline that fits in one machine', () => {
    assert.deepEqual(compile(layered(50), { file: '.sci/small.yml' }).parts, []);
  });
});

describe('a split pipeline carries only the records its parts read', () => {
  it('passes a part the records its steps read and returns those later states read', () => {
    const c = compile(OUTPUT_READER, { file: '.sci/reader.yml', partSteps: 3 });
    assert.deepEqual(
      c.parts.map((p) => [p.own.join(' '), p.imports.join(' '), p.exports.join(' ')]),
      [
        ['s0 s1 s2', '', 's0 s2'],
        ['s3 s4 s5', 's2', 's5'],
        ['s6 s7', 's0 s5', ''],
      ],
    );
    for (const machine of [c, ...c.parts]) assertValidAsl(machine.json);
  });

  it('runs on aws-local-stepfunctions: a later part still gets an early step output, and a failure in a part fails the run', async () => {
    const c = compile(OUTPUT_READER, { file: '.sci/reader.yml', partSteps: 3 });
    const env = new Map<string, Record<string, string>>();
    const run = (failing: string[]) => {
      const { input, parts } = splitRun(c);
      return execute(
        c.definition,
        input,
        c.steps,
        {
          build: async (call) => {
            const { key } = call;
            env.set(key, envOf(call));
            if (failing.includes(key)) throw Object.assign(new Error('red'), { name: 'States.TaskFailed' });
            return key === 's0' ? [{ Name: 'SCI_OUT_v', Value: 'from s0' }] : [];
          },
        },
        { precreate: true, parts },
      );
    };
    const green = await run([]);
    assert.equal(green.status, 'SUCCEEDED', green.error);
    assert.equal(env.get('s7')?.SCI_STEPS_S0_OUTPUTS_V, 'from s0');
    assert.deepEqual(
      c.steps.map((s) => statusOf(green, s.key)),
      c.steps.map(() => 'succeeded'),
    );
    // each part kept its records for a redrive
    assert.ok(green.items.get('RUN#r1|PART#2'));
    const red = await run(['s4']);
    assert.equal(red.status, 'FAILED');
    assert.equal(red.failedAt?.state, 'run failed');
    assert.deepEqual(
      ['s3', 's4', 's5', 's7'].map((k) => statusOf(red, k)),
      ['succeeded', 'failed', 'skipped', 'skipped'],
    );
  });
});

/** Node's default stack on 64-bit platforms (`node --v8-options`: `--stack-size`, 984 KB). */
const DEFAULT_STACK_KB = 984;
/** The chain run with a stack in proportion to its steps: as deep for it as a 5,000-step chain on the default. */
const CHAIN_STEPS = 1000;
const CHAIN_STACK_KB = Math.floor((DEFAULT_STACK_KB * CHAIN_STEPS) / 5000);

interface SplitSummary {
  machines: Estimates[];
  parts: Array<{ id: string; own: string[]; imports: string[]; exports: string[] }>;
}

/** Every machine within the quotas; every step in exactly one part or the root; a part reads a few records, not the run's. */
function assertSplitWithinQuotas({ machines, parts }: SplitSummary): void {
  assert.ok(parts.length > 1);
  for (const m of machines) {
    assert.ok(m.definitionBytes <= LIMITS.definitionBytes, `${m.definitionBytes} bytes`);
    assert.ok(m.maxHistoryEvents <= LIMITS.historyEvents, `${m.maxHistoryEvents} events`);
  }
  const owned = parts.flatMap((p) => p.own);
  assert.equal(new Set(owned).size, owned.length);
  for (const p of parts) assert.ok(p.imports.length <= 20 && p.exports.length <= 20, `${p.id}: ${p.imports.length}`);
}

describe('big pipelines', () => {
  // the 5,000-step layered DAG (1 + 559 machines, ~24 s of CPU) is in `npm run bench -- compile`, every machine validated
  it('compiles a 1,000-step layered DAG into a root and parts within every quota, each passing asl-validator', () => {
    const result = compile(compactYaml(layeredDag(1000)), { file: '.sci/big.yml' });
    const machines = [result, ...result.parts];
    assertSplitWithinQuotas({ machines: machines.map((m) => m.estimates), parts: result.parts });
    // asl-validator on every machine of the 1,000-step DAG (issue 10's done-when)
    for (const m of machines) assertValidAsl(m.json);
  });

  // A walk of the compiler as deep as the chain (three states a step) would overflow the stack: 4,000 steps did
  // on the default stack before the DAG algorithms became iterative (docs/benchmarks.md). The chain is compiled in a
  // process whose stack is in proportion to its steps (a recursive longestPath, tried by hand, overflows there, as
  // it does for 5,000 steps on the default stack, and not for these 1,000 on the default).
  it(`compiles a ${CHAIN_STEPS.toLocaleString('en')}-step chain on a ${CHAIN_STACK_KB} KB stack into a root and parts within every quota`, () => {
    const output = execFileSync(
      process.execPath,
      [
        `--stack-size=${CHAIN_STACK_KB}`,
        bundledScript(join(import.meta.dirname, 'deep-chain.ts')),
        String(CHAIN_STEPS),
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
    );
    const summary = JSON.parse(output) as SplitSummary & { validate: string[] };
    assertSplitWithinQuotas(summary);
    // asl-validator on the root and the largest part
    for (const json of summary.validate) assertValidAsl(json);
  });
});
