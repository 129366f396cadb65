/**
 * No pipeline file of at most 1 MB takes more than 2 s of CPU or 256 MB of heap to validate.
 * The judge is a separate node process started with --max-old-space-size=256 (over the
 * limit it aborts) that reports the CPU time of each validation.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { validateRepo } from '../../../statemachines/pipeline/repo.ts';
import { MAX_FILE_BYTES, MAX_KEY_LENGTH } from '../../../statemachines/pipeline/yaml-source.ts';
import { bundledScript } from '../../bundled-script.ts';
import { HOSTILE_SHAPES, MAX_HOSTILE_BYTES } from './hostile/shapes.ts';

const CPU_LIMIT_MS = 2000;
const HEAP_LIMIT_MB = 256;

describe('hostile pipeline files', () => {
  it(`each of ${Object.keys(HOSTILE_SHAPES).length} shapes of ≤ 1 MB validates within ${CPU_LIMIT_MS} ms of CPU and ${HEAP_LIMIT_MB} MB of heap`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'sci-hostile-'));
    try {
      const files = Object.entries(HOSTILE_SHAPES).map(([name, make], i) => {
        const text = make();
        assert.ok(Buffer.byteLength(text) <= MAX_HOSTILE_BYTES, `${name} is ${Buffer.byteLength(text)} bytes`);
        const file = join(dir, `${i}.yml`);
        writeFileSync(file, text);
        return { name, file };
      });
      const child = bundledScript(join(import.meta.dirname, 'hostile', 'validate-child.ts'));
      const output = execFileSync(
        process.execPath,
        [`--max-old-space-size=${HEAP_LIMIT_MB}`, child, ...files.map((f) => f.file)],
        {
          encoding: 'utf8',
          timeout: 120_000,
          env: { ...process.env, SCI_HOSTILE_CPU_LIMIT_MS: String(CPU_LIMIT_MS) },
        },
      );
      const lines = output
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { file?: string; cpuMs?: number; maxRssMb?: number });
      for (const { name, file } of files) {
        const result = lines.find((l) => l.file === file);
        assert.ok(result, `${name}: no result`);
        assert.ok(result.cpuMs! < CPU_LIMIT_MS, `${name}: ${result.cpuMs} ms of CPU`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file over the size limit before parsing it, at the byte where the limit is crossed', () => {
    const text = `steps:\n  a:\n    run: echo\n# ${'x'.repeat(MAX_FILE_BYTES)}\n`;
    const { diagnostics } = validateRepo([{ path: '.sci/big.yml', text }]);
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.span?.line, d.message]),
      [['file-too-large', 4, 'pipeline file larger than 256 KB']],
    );
  });

  it('refuses __proto__, constructor and prototype as any name (step, env, axis, secret, input), at the name', () => {
    const text = [
      'on:',
      '  manual:',
      '    inputs: { prototype: { type: string } }',
      'env: { __proto__: x }',
      'steps:',
      '  constructor:',
      '    run: echo',
      '  b:',
      '    matrix: { __proto__: [1] }',
      '    secrets: { constructor: "secretsmanager:sci/x" }',
      '    run: echo',
      '',
    ].join('\n');
    const { diagnostics } = validateRepo([{ path: '.sci/p.yml', text }]);
    assert.deepEqual(
      diagnostics.map((d) => `${d.span?.line}:${d.span?.col} ${d.message}`),
      [
        "3:15 YAML: 'prototype' can't be a name (it is reserved)",
        "4:8 YAML: '__proto__' can't be a name (it is reserved)",
        "6:3 YAML: 'constructor' can't be a name (it is reserved)",
        "9:15 YAML: '__proto__' can't be a name (it is reserved)",
        "10:16 YAML: 'constructor' can't be a name (it is reserved)",
      ],
    );
  });

  it('refuses a key longer than the limit, at the key', () => {
    const long = 'k'.repeat(MAX_KEY_LENGTH + 1);
    const { diagnostics } = validateRepo([
      { path: '.sci/k.yml', text: `env:\n  ${long}: v\nsteps:\n  a:\n    run: echo\n` },
    ]);
    assert.deepEqual(
      diagnostics.map((d) => `${d.span?.line}:${d.span?.col} ${d.message}`),
      [`2:3 YAML: key longer than ${MAX_KEY_LENGTH} characters`],
    );
  });
});
