/** A table test of pipelines `sci validate` refuses: each case's diagnostics as `line:col: message`, in order. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePipeline } from '../../../statemachines/pipeline/parse.ts';

/** `[case name, YAML of .sci/ci.yml, expected "line:col: message" lines]`. */
export type Refusal = [string, string, string[]];

export function refusalTests(title: string, cases: Refusal[]): void {
  for (const [name, yaml, expected] of cases) {
    test(`${title} ${name}`, () => {
      const result = parsePipeline('.sci/ci.yml', yaml);
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.deepEqual(
        result.diagnostics.map((d) => `${d.span?.line}:${d.span?.col}: ${d.message}`),
        expected,
      );
    });
  }
}
