/**
 * Long durations: validated against AWS's ceilings (CodeBuild's 36 hours for a build, the
 * one-year life of an execution and its task tokens), and armed locally without the 2^31 ms
 * overflow of Node's timers that made a 25-day timeout fire at once.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { StateMachine } from 'aws-local-stepfunctions';
import { LongTimeout, MAX_TIMER_MS } from '../../../local/polyfills.ts';
import { parsePipeline } from '../../../statemachines/pipeline/parse.ts';

const problems = (text: string) => {
  const r = parsePipeline('.sci/t.yml', text);
  return r.ok ? [] : r.diagnostics.map((d) => `${d.span?.line}:${d.span?.col} ${d.message}`);
};

describe('durations', () => {
  for (const [name, text, expected] of [
    [
      'a run step over 36h',
      'steps:\n  a:\n    run: x\n    timeout: 37h\n',
      ["4:5 a run step's timeout is at most 36h (CodeBuild's limit of 2160 minutes)"],
    ],
    ['a run step of exactly 36h', 'steps:\n  a:\n    run: x\n    timeout: 1d12h\n', []],
    [
      'defaults over 36h',
      'defaults:\n  timeout: 2d\nsteps:\n  a:\n    run: x\n',
      ["2:3 a run step's timeout is at most 36h (CodeBuild's limit of 2160 minutes)"],
    ],
    [
      'an approval over a year',
      'steps:\n  a:\n    approval: { timeout: 366d }\n',
      [
        "3:17 a approval step's timeout is at most 365d (a Step Functions execution and its task tokens live at most one year)",
      ],
    ],
    ['an approval of 30 days', 'steps:\n  a:\n    approval: { timeout: 30d }\n', []],
  ] as const) {
    it(`${name}: ${expected.length === 0 ? 'valid' : 'a positioned error'}`, () =>
      assert.deepEqual(problems(text), expected));
  }

  it('a timeout longer than 2^31 ms waits, in legs, instead of firing at once', async () => {
    let fired = 0;
    const early = setTimeout(() => (fired += 1), MAX_TIMER_MS + 1000);
    await new Promise((r) => setTimeout(r, 50));
    clearTimeout(early);
    assert.equal(fired, 0);
    const started = Date.now();
    await new Promise<void>((resolve) => new LongTimeout(resolve, 120, 25));
    assert.ok(Date.now() - started >= 115, `fired after ${Date.now() - started} ms`);
  });

  it('the local interpreter does not time out a 30-day task at once', async () => {
    const machine = new StateMachine({
      StartAt: 'Wait',
      States: { Wait: { Type: 'Task', Resource: 'arn:aws:states:::x', TimeoutSeconds: 30 * 86400, End: true } },
    });
    const { result } = machine.run(
      {},
      {
        overrides: {
          taskResourceLocalHandlers: {
            Wait: async () => {
              await new Promise((r) => setTimeout(r, 100));
              return 'done';
            },
          },
        },
      },
    );
    assert.equal(await result, 'done');
  });
});
