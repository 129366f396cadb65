/**
 * A Step Functions redrive of a compiled definition, on aws-local-stepfunctions. That engine has
 * no RedriveExecution, so the redrive is emulated as AWS defines it
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html:
 * "continues the failed execution from the unsuccessful step and uses the same input"): the same
 * definition resumes at the state that failed the execution (`run failed`, whose failure the first
 * attempt's event log shows), with that state's input, the table as the attempt left it, and
 * `$$.Execution.RedriveCount` 1 (0 before any redrive, as the context object documents). Between the
 * two, the run store is reopened as the reporter does on the redriven execution's first event
 * (`reopenRun`: every step that did not succeed `pending` again).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reopenStepInput } from '../../../src/store/reopen-run.ts';
import type { CompiledPipeline } from '../../../statemachines/compiler/compile.ts';
import {
  compile,
  envOf,
  execute,
  OUTPUT_READER,
  runInput,
  splitRun,
  statusOf,
  type Outcome,
  type StepCall,
} from './harness.ts';

/**
 * What the reporter's reopenRun does to the step items (its own update, src/store/reopen-run.ts): a
 * step that did not succeed is pending again, without the attributes of the attempt that ended.
 */
function reopened(o: Outcome): Outcome['items'] {
  const update = reopenStepInput('sci-runs', 'r1', 'any');
  const removed = update
    .UpdateExpression!.split(' REMOVE ')[1]!
    .split(', ')
    .map((n) => update.ExpressionAttributeNames![n]!);
  const items = new Map(o.items);
  for (const [id, item] of items)
    if (id.includes('|STEP#') && (item.status as { S: string }).S !== 'succeeded')
      items.set(id, {
        ...Object.fromEntries(Object.entries(item).filter(([name]) => !removed.includes(name))),
        status: { S: 'pending' },
      });
  return items;
}

/** Builds `failing` fail; every build exports `v=<key>-<attempt>`; the keys built are recorded. */
function builds(failing: string[], attempt: number, built: string[], env: Map<string, Record<string, string>>) {
  return async (call: StepCall) => {
    built.push(call.key);
    env.set(call.key, envOf(call));
    if (failing.includes(call.key)) throw Object.assign(new Error('red'), { name: 'States.TaskFailed' });
    return [{ Name: 'SCI_OUT_v', Value: `${call.key}-${attempt}` }];
  };
}

/** The redrive of `failed` (its `redriveCount`th): its unsuccessful state resumed, with its input, on its table reopened. */
function redrive(pipeline: CompiledPipeline, failed: Outcome, build: ReturnType<typeof builds>, redriveCount: number) {
  const { failedAt } = failed;
  assert.ok(failedAt, 'a failed execution has an unsuccessful state to resume at');
  return execute(
    pipeline.definition,
    failedAt.input,
    pipeline.steps,
    { build },
    {
      precreate: false,
      items: reopened(failed),
      redriveCount,
      startAt: failedAt.state,
      parts: splitRun(pipeline).parts,
    },
  );
}

async function failThenRedrive(pipeline: CompiledPipeline, failing: string[]) {
  const first = { built: [] as string[], env: new Map<string, Record<string, string>>() };
  const again = { built: [] as string[], env: new Map<string, Record<string, string>>() };
  // a split pipeline's parts run as child executions, each part's machine in run.callees
  const { input, parts } = splitRun(pipeline);
  const one = await execute(
    pipeline.definition,
    input,
    pipeline.steps,
    { build: builds(failing, 1, first.built, first.env) },
    { precreate: true, parts },
  );
  assert.equal(one.status, 'FAILED');
  assert.equal(one.error, 'States.NoChoiceMatched');
  assert.equal(one.failedAt?.state, 'run failed', 'the unsuccessful state a redrive resumes at');
  const two = await redrive(pipeline, one, builds([], 2, again.built, again.env), 1);
  return { one, two, first, again };
}

test('a failed run, redriven, runs again only the steps that did not succeed, and succeeds', async () => {
  const pipeline = compile(`
steps:
  build: { outputs: [v], run: make }
  lint: { run: lint }
  test: { needs: [build], run: 'test \${{ steps.build.outputs.v }}' }
  package: { needs: [test, lint], run: 'package \${{ steps.build.outputs.v }}' }
  notify: { needs: [test], if: always(), run: notify }
`);
  const { one, two, first, again } = await failThenRedrive(pipeline, ['test']);
  assert.deepEqual(first.built.sort(), ['build', 'lint', 'notify', 'test']);
  assert.equal(statusOf(one, 'package'), 'skipped');
  assert.equal(two.status, 'SUCCEEDED', two.error);
  // build, lint and notify succeeded the first time: carried, not built again
  assert.deepEqual(again.built.sort(), ['package', 'test']);
  for (const key of ['build', 'lint', 'test', 'package', 'notify']) assert.equal(statusOf(two, key), 'succeeded', key);
  // a step that runs again reads the outputs of a carried one
  assert.equal(again.env.get('package')!.SCI_STEPS_BUILD_OUTPUTS_V, 'build-1');
  assert.equal(again.env.get('test')!.SCI_STEPS_BUILD_OUTPUTS_V, 'build-1');
  assert.ok(two.trace.entered.includes('build · carried'));
});

test('a chain, redriven: its carried steps enter the lean checks (the carry rule alone) and the failed step runs again', async () => {
  const pipeline = compile(
    'steps:\n  a: { run: a }\n  b: { needs: [a], run: b }\n  c: { needs: [b], run: c }\n  d: { needs: [c], run: d }\n',
  );
  // every check of the chain is lean: the skip rule on the need's status is gone (the need's own ending routes to the skip)
  for (const key of ['b', 'c', 'd'])
    assert.deepEqual(
      (pipeline.definition.States[`${key} · check`] as { Choices: unknown[] }).Choices.length,
      1,
      `${key} · check`,
    );
  const { one, two, again } = await failThenRedrive(pipeline, ['c']);
  assert.deepEqual(
    ['a', 'b', 'c', 'd'].map((k) => statusOf(one, k)),
    ['succeeded', 'succeeded', 'failed', 'skipped'],
  );
  assert.equal(two.status, 'SUCCEEDED', two.error);
  assert.deepEqual(again.built.sort(), ['c', 'd']);
  for (const key of ['a', 'b', 'c', 'd']) assert.equal(statusOf(two, key), 'succeeded', key);
  for (const state of ['a · carried', 'b · check', 'b · carried', 'c · check', 'c'])
    assert.ok(two.trace.entered.includes(state), state);
});

test('a split pipeline, redriven: each part carries its steps from the records it kept, a later part still reads an early output', async () => {
  const pipeline = compile(OUTPUT_READER, { partSteps: 3 });
  assert.equal(pipeline.parts.length, 3);
  const { one, two, again } = await failThenRedrive(pipeline, ['s4']);
  assert.deepEqual(
    ['s3', 's4', 's5', 's7'].map((k) => statusOf(one, k)),
    ['succeeded', 'failed', 'skipped', 'skipped'],
  );
  assert.equal(two.status, 'SUCCEEDED', two.error);
  // s0-s3 succeeded the first time: carried (part 1 wholly, part 2 in part), not built again
  assert.deepEqual(again.built.sort(), ['s4', 's5', 's6', 's7']);
  for (const s of pipeline.steps) assert.equal(statusOf(two, s.key), 'succeeded', s.key);
  assert.ok(two.trace.entered.includes('s0 · carried') && two.trace.entered.includes('s3 · carried'));
  assert.equal(again.env.get('s7')!.SCI_STEPS_S0_OUTPUTS_V, 's0-1', "the carried s0's output reaches the last part");
});

test('a redrive through a cross-branch gate: the gate of the new attempt waits for the need that runs again', async () => {
  const pipeline = compile(`
steps:
  a: { outputs: [v], run: x }
  b: { run: x }
  c: { needs: [a], run: x }
  d: { needs: [a, b], env: { FROM_A: "\${{ steps.a.outputs.v }}" }, run: x }
`);
  assert.ok(pipeline.json.includes('GATE#a#{}'), "the N shape has a gate, on a's wait item keyed by attempt");
  const { one, two, again } = await failThenRedrive(pipeline, ['b']);
  assert.equal(statusOf(one, 'd'), 'skipped');
  assert.equal(two.status, 'SUCCEEDED', two.error);
  assert.deepEqual(again.built.sort(), ['b', 'd']);
  assert.equal(again.env.get('d')!.FROM_A, 'a-1', 'the carried need a reaches d through its branch');
  assert.ok(two.items.has('RUN#r1|GATE#a#0') && two.items.has('RUN#r1|GATE#a#1'), 'one wait item per attempt');
});

test('a redriven run that fails again fails at the same state, and a second redrive resumes it', async () => {
  const pipeline = compile(`
steps:
  a: { run: x }
  b: { needs: [a], run: x }
`);
  const one = await execute(pipeline.definition, runInput(), pipeline.steps, {
    build: builds(['b'], 1, [], new Map()),
  });
  const two = await redrive(pipeline, one, builds(['b'], 2, [], new Map()), 1);
  assert.deepEqual([two.status, two.error, two.failedAt?.state], ['FAILED', 'States.NoChoiceMatched', 'run failed']);
  const built: string[] = [];
  const three = await redrive(pipeline, two, builds([], 3, built, new Map()), 2);
  assert.equal(three.status, 'SUCCEEDED', three.error);
  assert.deepEqual(built, ['b']);
});

test('a first attempt that fails is not redriven by itself: `run failed` needs a higher RedriveCount', async () => {
  const pipeline = compile(`
steps:
  a: { run: x }
`);
  const one = await execute(pipeline.definition, runInput(), pipeline.steps, {
    build: builds(['a'], 1, [], new Map()),
  });
  assert.deepEqual(
    one.trace.entered.filter((s) => s.startsWith('run ')),
    ['run context', 'run result', 'run failed'],
  );
});
