/**
 * Where the compiler states a running step's chain as the constant `succeeded` (clean-upstream.ts)
 * and where it must compute it from the needs' chains. The behaviour test executes random DAGs with
 * `allow_failure`, `always()` and `failure()` and checks every build's SCI_RUN_STATUS against the
 * format's oracle; this table pins which steps fold.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileSource } from '../../../statemachines/compiler/compile.ts';
import { allStates } from './asl-states.ts';

/** SCI_RUN_STATUS of each step's build: the constant, or `expr` when computed at run time. */
function runStatus(yaml: string): Record<string, string> {
  const compiled = compileSource('.sci/ci.yml', `name: ci\ndefaults: { image: node:22 }\nsteps:\n${yaml}`);
  assert.ok(compiled.ok, JSON.stringify(!compiled.ok && compiled.diagnostics));
  const out: Record<string, string> = {};
  for (const [name, state] of allStates(compiled.value.definition)) {
    if (state.Type !== 'Task' || !('EnvironmentVariablesOverride' in (state.Parameters ?? {}))) continue;
    const vars = (state.Parameters as { EnvironmentVariablesOverride: Array<Record<string, string>> })
      .EnvironmentVariablesOverride;
    const v = vars.find((e) => e.Name === 'SCI_RUN_STATUS')!;
    out[name] = v.Value ?? 'expr';
  }
  return out;
}

describe('a running step whose chain is known to be succeeded', () => {
  const cases: Array<[string, string, Record<string, string>]> = [
    [
      'default conditions, two needs',
      '  a: { run: x }\n  b: { run: x }\n  c: { needs: [a, b], run: x }\n  d: { needs: [c], run: x }\n',
      { a: 'succeeded', b: 'succeeded', c: 'succeeded', d: 'succeeded' },
    ],
    [
      'a need that may fail (allow_failure), and what follows it',
      '  a: { run: x, allow_failure: true }\n  b: { run: x }\n  c: { needs: [a, b], run: x }\n  d: { needs: [c], run: x }\n',
      { a: 'succeeded', b: 'succeeded', c: 'expr', d: 'expr' },
    ],
    [
      'always() runs after a failure, and so do the steps after it',
      '  a: { run: x }\n  b: { run: x }\n  c: { needs: [a, b], if: always(), run: x }\n  d: { needs: [c], run: x }\n',
      { a: 'succeeded', b: 'succeeded', c: 'expr', d: 'expr' },
    ],
    [
      'conditions that require success()',
      '  a: { run: x }\n  b: { run: x }\n  c: { needs: [a, b], if: "branch == \'main\'", run: x }\n' +
        '  d: { needs: [a, c], if: "success() && branch == \'main\'", run: x }\n',
      { a: 'succeeded', b: 'succeeded', c: 'succeeded', d: 'succeeded' },
    ],
    [
      'conditions that do not',
      '  a: { run: x }\n  b: { run: x }\n  c: { needs: [a, b], if: "!success()", run: x }\n' +
        '  d: { needs: [a, b], if: "success() || failure()", run: x }\n',
      { a: 'succeeded', b: 'succeeded', c: 'expr', d: 'expr' },
    ],
  ];
  for (const [name, yaml, want] of cases) it(name, () => assert.deepEqual(runStatus(yaml), want));
});
