import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileProgram } from '../../../statemachines/compiler/program.ts';
import { parsePipeline } from '../../../statemachines/pipeline/parse.ts';
import type { Pipeline } from '../../../statemachines/pipeline/model.ts';

function pipeline(id: string, text: string): Pipeline {
  const r = parsePipeline(`.sci/${id}.yml`, text);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.diagnostics));
  return r.value;
}

const call = (to: string) => `steps:\n  call: { pipeline: { name: ${to} } }\n`;
const REPO: Record<string, string> = {
  ci: 'steps: { build: { run: make } }\n',
  release: call('deploy/prod'),
  'deploy/prod':
    'on: { manual: { inputs: { target: { type: string, default: staging } } } }\nsteps:\n  go: { run: echo }\n  notify: { needs: [go], pipeline: { name: notify } }\n',
  notify: 'steps: { send: { run: echo } }\n',
  loop: call('loop'),
  ping: call('pong'),
  pong: call('ping'),
  broken: call('nowhere'),
  // small as a file (pipeline files are at most 256 KB), over 1 MB compiled: every step gets the env
  huge: `env: { BIG: "${'x'.repeat(60_000)}" }\nsteps:\n${Array.from({ length: 20 }, (_, i) => `  s${i}: { run: make }`).join('\n')}\n`,
  'calls-huge': call('huge'),
  pair: 'steps:\n  a: { run: echo }\n  b: { needs: [a], run: echo }\n',
  'calls-cyclic': call('cyclic'),
};
/** A cycle the parser would refuse, built by hand so the plan stage reports it. */
function cyclic(): Pipeline {
  const p = pipeline('cyclic', REPO.pair!);
  return { ...p, id: 'cyclic', steps: p.steps.map((s) => (s.name === 'a' ? { ...s, needs: ['b'] } : s)) };
}
const all = [...Object.entries(REPO).map(([id, text]) => pipeline(id, text)), cyclic()];
const byId = new Map(all.map((p) => [p.id, p]));

describe('compileProgram', () => {
  const cases: Array<{ roots: string[]; ids?: string[]; codes?: string[] }> = [
    { roots: ['ci'], ids: ['ci'] },
    { roots: ['release'], ids: ['release', 'deploy/prod', 'notify'] },
    { roots: ['release', 'deploy/prod'], ids: ['release', 'deploy/prod', 'notify'] },
    { roots: ['ci', 'notify', 'ci'], ids: ['ci', 'notify'] },
    { roots: ['loop'], ids: ['loop'] },
    { roots: ['ping'], ids: ['ping', 'pong'] },
    { roots: [], ids: [] },
    { roots: ['broken'], codes: ['unknown-pipeline'] },
    { roots: ['ci', 'broken'], codes: ['unknown-pipeline'] },
    { roots: ['cyclic'], codes: ['cycle'] },
    { roots: ['calls-cyclic'], codes: ['cycle'] },
    // over 1 MB as one machine: split into parts (split.ts), not refused
    { roots: ['huge'], ids: ['huge'] },
    { roots: ['calls-huge', 'broken'], codes: ['unknown-pipeline'] },
  ];
  for (const c of cases) {
    it(`[${c.roots.join(', ')}] → ${c.ids ? `[${c.ids.join(', ')}]` : c.codes!.join(', ')}`, () => {
      const r = compileProgram(
        all,
        c.roots.map((id) => byId.get(id)!),
      );
      if (c.ids) {
        assert.ok(r.ok, JSON.stringify(!r.ok && r.diagnostics));
        assert.deepEqual([...r.value.keys()], c.ids);
        for (const [id, compiled] of r.value) assert.equal(compiled.pipelineId, id);
      } else {
        assert.ok(!r.ok);
        assert.deepEqual([...new Set(r.diagnostics.map((d) => d.code))], c.codes);
        assert.ok(
          r.diagnostics.every((d) => d.span?.file.startsWith('.sci/')),
          JSON.stringify(r.diagnostics),
        );
      }
    });
  }

  it('passes the callees, so a child input carries the declared defaults', () => {
    const r = compileProgram(all, [byId.get('release')!]);
    assert.ok(r.ok);
    const task = r.value.get('release')!.definition.States.call as unknown as {
      Parameters: { Input: { run: { inputs: unknown } } };
    };
    assert.deepEqual(task.Parameters.Input.run.inputs, { target: 'staging' });
  });

  it('compiles for the given target', () => {
    const r = compileProgram(all, [byId.get('ci')!], { tableName: 'other-table' });
    assert.ok(r.ok);
    assert.match(r.value.get('ci')!.json, /"other-table"/);
  });
});
