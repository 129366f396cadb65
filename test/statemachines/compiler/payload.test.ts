/**
 * The payload bound (payload.ts): a pipeline whose run could carry more than Step Functions'
 * 262,144 bytes of state is refused at compile time with the arithmetic in the message; the
 * bound counts each declared output at its size limit.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileSource } from '../../../statemachines/compiler/compile.ts';
import { OUTPUT_LIMIT_BYTES } from '../../../statemachines/compiler/outputs.ts';
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

describe('the payload quota', () => {
  it('refuses a pipeline whose declared outputs could fill the state, naming the bound', () => {
    // 60 outputs at 4,096 bytes, plus the reserve: over 256 KiB.
    const r = compileSource('.sci/outputs.yml', chainWithOutputs(12, 5));
    assert.ok(!r.ok);
    const [d] = r.diagnostics;
    assert.equal(d?.code, 'payload-too-large');
    assert.match(d!.message, new RegExp(`limit of ${PAYLOAD_BYTES} bytes`));
    const steps = Number(/step statuses and outputs (\d+)/.exec(d!.message)?.[1]);
    assert.ok(steps > 60 * OUTPUT_LIMIT_BYTES && steps < 60 * (OUTPUT_LIMIT_BYTES + 100), String(steps));
    assert.deepEqual(d?.span, { file: '.sci/outputs.yml', line: 1, col: 1 });
  });

  it('compiles the same chain with fewer outputs (under the bound)', () => {
    const outputs = Math.floor((PAYLOAD_BYTES - RUN_RESERVE) / (OUTPUT_LIMIT_BYTES + 100)) - 2;
    const r = compileSource('.sci/outputs.yml', chainWithOutputs(outputs, 1));
    assert.ok(r.ok, JSON.stringify(!r.ok && r.diagnostics));
  });
});
