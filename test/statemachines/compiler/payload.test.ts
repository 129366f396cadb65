/**
 * The payload bound (payload.ts): a pipeline whose run could carry more than Step Functions'
 * 262,144 bytes of state is refused at compile time with the arithmetic in the message; the
 * bound counts each declared output at its size limit, twice in a machine's state (the records
 * and, on a redrive, the attempt before's at `$.ctx.prev`), and lowers the limit (not under 256
 * bytes) for a pipeline whose outputs would not fit at 4,096 bytes each. A split pipeline's parts
 * carry only the records they read, so its bound is a part's, not the run's.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compilePipeline, compileSource } from '../../../statemachines/compiler/compile.ts';
import { MIN_OUTPUT_LIMIT_BYTES, OUTPUT_LIMIT_BYTES } from '../../../statemachines/compiler/outputs.ts';
import { PAYLOAD_BYTES, RUN_RESERVE } from '../../../statemachines/compiler/payload.ts';
import { compile, plan } from './harness.ts';

/** A chain of `n` steps, each declaring `outputs` outputs. */
function chainWithOutputs(n: number, outputs: number): string {
  const lines = ['name: outputs', 'defaults: { image: "node:22", timeout: 5m }', 'steps:'];
  for (let i = 0; i < n; i++) {
    const names = Array.from({ length: outputs }, (_, k) => `o${k}`);
    const needs = i === 0 ? '' : `needs: [s${i - 1}], `;
    lines.push(`  s${i}: { ${needs}outputs: [${names.join(', ')}], run: echo s${i} }`);
  }
  return `${lines.join('\n')}\n`;
}

/** The per-output limit the compiled buildspecs enforce, as one sorted list of the distinct values. */
function enforcedLimits(json: string): number[] {
  const limits = [...json.matchAll(/over the limit of (\d+) bytes per output/g)].map((m) => Number(m[1]));
  return [...new Set(limits)].sort((a, b) => a - b);
}

describe('the payload quota', () => {
  it('keeps 4,096 bytes per output where the state holds them all', () => {
    const r = compile(chainWithOutputs(3, 2), { file: '.sci/outputs.yml' });
    assert.deepEqual(enforcedLimits(r.json), [OUTPUT_LIMIT_BYTES]);
  });

  it('gives a pipeline with many outputs the largest per-output limit its state can hold, enforced by every build', () => {
    // 60 outputs at 4,096 bytes, twice (a redrive holds the attempt before's), would be over 256 KiB
    const r = compile(chainWithOutputs(12, 5), { file: '.sci/outputs.yml' });
    const [limit, ...others] = enforcedLimits(r.json);
    assert.deepEqual(others, []);
    assert.ok(limit! < OUTPUT_LIMIT_BYTES && limit! > MIN_OUTPUT_LIMIT_BYTES, String(limit));
    // the largest: the records and their copy at $.ctx.prev fit, 100 bytes more per output would not
    assert.ok(2 * 60 * limit! <= PAYLOAD_BYTES - RUN_RESERVE, String(limit));
    assert.ok(2 * 60 * (limit! + 100) > PAYLOAD_BYTES - RUN_RESERVE, String(limit));
  });

  it('bounds a split pipeline part by part: the outputs a whole machine cannot hold at 4,096 bytes fit in parts', () => {
    const { pipeline, instances } = plan(chainWithOutputs(60, 1), '.sci/outputs.yml');
    const table: Array<[string, number | undefined, (limit: number) => boolean]> = [
      ['one machine', undefined, (limit) => limit < OUTPUT_LIMIT_BYTES / 2 + 200],
      ['parts of 10 steps', 10, (limit) => limit === OUTPUT_LIMIT_BYTES],
    ];
    for (const [name, partSteps, expected] of table) {
      const r = compilePipeline(pipeline, instances, undefined, partSteps ? { partSteps } : {});
      assert.ok(r.ok, JSON.stringify(!r.ok && r.diagnostics));
      const limits = [r.value, ...r.value.parts].flatMap((m) => enforcedLimits(m.json));
      assert.equal(new Set(limits).size, 1, name);
      assert.ok(expected(limits[0]!), `${name}: ${limits[0]}`);
    }
  });

  it('compiles a 64-cell matrix that declares an output (its cells share the state)', () => {
    const text = `steps:
  cells:
    matrix: { a: [1, 2, 3, 4, 5, 6, 7, 8], b: [1, 2, 3, 4, 5, 6, 7, 8] }
    outputs: [v]
    run: echo v=1 >> "$SCI_OUTPUT"
`;
    const r = compile(text, { file: '.sci/m.yml' });
    assert.equal(r.steps.length, 64);
    assert.ok(enforcedLimits(r.json)[0]! < OUTPUT_LIMIT_BYTES);
  });

  it('refuses a pipeline whose outputs could fill the state even at the least an output may hold, naming the bound', () => {
    // 1,000 outputs of 256 bytes are 256,000 bytes, with the reserve over 256 KiB
    const r = compileSource('.sci/outputs.yml', chainWithOutputs(100, 10));
    assert.ok(!r.ok);
    const [d] = r.diagnostics;
    assert.equal(d?.code, 'payload-too-large');
    assert.match(d!.message, new RegExp(`limit of ${PAYLOAD_BYTES} bytes`));
    assert.match(d!.message, new RegExp(`each output at ${MIN_OUTPUT_LIMIT_BYTES} bytes`));
    const steps = Number(/step statuses and outputs (\d+)/.exec(d!.message)?.[1]);
    assert.ok(steps > 1000 * MIN_OUTPUT_LIMIT_BYTES && steps < 1000 * (MIN_OUTPUT_LIMIT_BYTES + 100), String(steps));
    // the redrive's copy counts as much, and the parts add up to the total the message names
    const prev = Number(/the attempt before's on a redrive (\d+)/.exec(d!.message)?.[1]);
    assert.equal(prev, steps);
    const parts = [...d!.message.matchAll(/ (\d+)[;,)]/g)].map((m) => Number(m[1]));
    const total = Number(/up to (\d+) bytes/.exec(d!.message)?.[1]);
    assert.equal(
      parts.filter((n) => n !== MIN_OUTPUT_LIMIT_BYTES).reduce((a, b) => a + b, 0),
      total,
    );
    assert.deepEqual(d?.span, { file: '.sci/outputs.yml', line: 1, col: 1 });
  });
});

describe('buildspecs', () => {
  // run-task.ts keeps the YAML of the buildspecs it rendered last, by their content
  it('are rendered from their own step, whatever was compiled before', () => {
    const spec = (text: string) => {
      const task = compile(text).definition.States.a as unknown as { Parameters: { BuildspecOverride: string } };
      return task.Parameters.BuildspecOverride;
    };
    const one = spec('steps:\n  a: { run: echo one }\n');
    assert.match(one, /echo one/);
    assert.match(spec('steps:\n  a: { run: echo two }\n'), /echo two/);
    assert.match(spec('steps:\n  a: { run: echo one, outputs: [v] }\n'), /over the limit of 4096 bytes per output/);
    assert.equal(spec('steps:\n  a: { run: echo one }\n'), one);
  });
});
