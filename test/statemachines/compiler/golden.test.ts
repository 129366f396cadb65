/**
 * Golden ASL for every example pipeline (`UPDATE_GOLDEN=1` regenerates, reviewed in the
 * diff), each definition valid per asl-validator, and compilation deterministic.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { compileSource } from '../../../statemachines/compiler/compile.ts';
import { renderAsl } from '../../../statemachines/asl/render.ts';
import { assertValidAsl } from './asl-valid.ts';
import { allStates } from './asl-states.ts';

const EXAMPLES = 'examples';
const GOLDEN = 'test/golden';
const files = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.yml'))
  .sort();

describe('compiler golden files', () => {
  it('has 4-6 example pipelines', () => {
    assert.ok(files.length >= 4 && files.length <= 6, files.join(', '));
  });

  for (const file of files) {
    it(`${file} compiles to test/golden/${basename(file, '.yml')}.asl.json`, () => {
      const path = join(EXAMPLES, file);
      const compiled = compileSource(path, readFileSync(path, 'utf8'));
      assert.ok(compiled.ok, JSON.stringify(!compiled.ok && compiled.diagnostics));
      const text = renderAsl(compiled.value.definition);
      const golden = join(GOLDEN, `${basename(file, '.yml')}.asl.json`);
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, text);
      assert.ok(existsSync(golden), `missing ${golden}: run with UPDATE_GOLDEN=1`);
      assert.equal(text, readFileSync(golden, 'utf8'));
      assertValidAsl(compiled.value.json);
      // Sized before ordering and rendering (compile.ts): the size must be the deployed one's.
      assert.equal(compiled.value.estimates.definitionBytes, Buffer.byteLength(compiled.value.json, 'utf8'));
      for (const [name, state] of allStates(compiled.value.definition)) {
        assert.ok([...name].length <= 80, name);
        if (state.Type === 'Task') assert.ok(state.TimeoutSeconds > 0, `${name} has no TimeoutSeconds`);
      }
    });

    it(`${file} compiles deterministically`, () => {
      const path = join(EXAMPLES, file);
      const a = compileSource(path, readFileSync(path, 'utf8'));
      const b = compileSource(path, readFileSync(path, 'utf8'));
      assert.ok(a.ok && b.ok);
      assert.equal(a.value.json, b.value.json);
      assert.equal(a.value.hash, b.value.hash);
      assert.match(a.value.hash, /^[0-9a-f]{64}$/);
    });
  }
});
