/**
 * The payload bound (payload.ts): a pipeline whose run could carry more than Step Functions'
 * 262,144 bytes of state is refused at compile time with the arithmetic in the message; the
 * bound counts each declared output at its size limit, which is lowered (not under 256 bytes)
 * for a pipeline whose outputs would not fit at 4,096 bytes each.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileSource } from '../../../statemachines/compiler/compile.ts';
import { MIN_OUTPUT_LIMIT_BYTES, OUTPUT_LIMIT_BYTES } from '../../../statemachines/compiler/outputs.ts';
import { PAYLOAD_BYTES, RUN_RESERVE } from '../../../statemachines/compiler/payload.ts';

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
    const r = compileSource('.sci/outputs.yml', chainWithOutputs(3, 2));
    assert.ok(r.ok, JSON.stringify(!r.ok && r.diagnostics));
    assert.deepEqual(enforcedLimits(r.value.json), [OUTPUT_LIMIT_BYTES]);
  });

  it('gives a pipeline with many outputs the largest per-output limit its state can hold, enforced by every build', () => {
    // 60 outputs at 4,096 bytes plus the reserve would be over 256 KiB
    const r = compileSource('.sci/outputs.yml', chainWithOutputs(12, 5));
    assert.ok(r.ok, JSON.stringify(!r.ok && r.diagnostics));
    const [limit, ...others] = enforcedLimits(r.value.json);
    assert.deepEqual(others, []);
    assert.ok(limit! < OUTPUT_LIMIT_BYTES && limit! > MIN_OUTPUT_LIMIT_BYTES, String(limit));
    // the largest: one byte more per output would not fit
    assert.ok(60 * (limit! + 1) > PAYLOAD_BYTES - RUN_RESERVE - 60 * 100, String(limit));
  });

  it('compiles a 64-cell matrix that declares an output (its cells share the state)', () => {
    const text = `steps:
  cells:
    matrix: { a: [1, 2, 3, 4, 5, 6, 7, 8], b: [1, 2, 3, 4, 5, 6, 7, 8] }
    outputs: [v]
    run: echo v=1 >> "$SCI_OUTPUT"
`;
    const r = compileSource('.sci/m.yml', text);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.diagnostics));
    assert.equal(r.value.steps.length, 64);
    assert.ok(enforcedLimits(r.value.json)[0]! < OUTPUT_LIMIT_BYTES);
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
    assert.deepEqual(d?.span, { file: '.sci/outputs.yml', line: 1, col: 1 });
  });
});
