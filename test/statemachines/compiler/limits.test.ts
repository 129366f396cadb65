/** Worst-case estimates over the state graph. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { longestPath } from '../../../statemachines/compiler/limits.ts';
import type { State, StateMachine } from '../../../statemachines/asl/types.ts';
import { compile, execute, runInput } from './harness.ts';

test('the longest path of a 15,000-state chain (no recursion along Next)', () => {
  const states: Record<string, State> = {};
  for (let i = 0; i < 15_000; i++)
    states[`s${i}`] = i < 14_999 ? { Type: 'Pass', Next: `s${i + 1}` } : { Type: 'Succeed' };
  const machine: StateMachine = { StartAt: 's0', States: states };
  assert.deepEqual(longestPath(machine), { events: 30_000, transitions: 15_000 });
});

test('a Choice costs its longest branch, a retried Task each attempt', () => {
  const machine: StateMachine = {
    StartAt: 'c',
    States: {
      c: { Type: 'Choice', Choices: [{ Variable: '$.x', BooleanEquals: true, Next: 't' }], Default: 'end' },
      t: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:updateItem',
        TimeoutSeconds: 60,
        Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2 }],
        Next: 'end',
      },
      end: { Type: 'Succeed' },
    },
  };
  // Choice 2 events; Task entered/exited + 3 per attempt × 3; Succeed 2.
  assert.deepEqual(longestPath(machine), { events: 2 + (2 + 9) + 2, transitions: 1 + 3 + 1 });
});

/** The transitions `text` takes when every build fails, its estimate and the retries its Tasks may add per step. */
async function failingEverywhere(text: string): Promise<{ estimate: number; actual: number; retries: number }> {
  const r = compile(text, { file: '.sci/p.yml' });
  const out = await execute(r.definition, runInput(), r.steps, {
    build: async () => {
      throw new Error('exit 1');
    },
  });
  const states = r.definition.States;
  // A failing step's build and its trip through the shared end write, each retried to the end.
  const retries = ['s1', 'ending · write']
    .flatMap((name) => (states[name] as { Retry: Array<{ MaxAttempts: number }> }).Retry)
    .reduce((n, retry) => n + retry.MaxAttempts, 0);
  return { estimate: r.estimates.maxTransitions, actual: out.trace.entered.length, retries };
}

test("a scope's shared ending is costed once per step that goes through it, not once for all", async () => {
  const chain = (n: number) =>
    `steps:\n${Array.from({ length: n }, (_, i) => `  s${i}: { ${i ? `needs: [s${i - 1}], ` : ''}if: always(), run: x }`).join('\n')}\n`;
  const [short, long] = [await failingEverywhere(chain(4)), await failingEverywhere(chain(12))];
  // Each failing step goes through the hub (failure Pass, timed-out check, failure Pass, write, route, ended).
  const perStep = (long.actual - short.actual) / 8 + long.retries;
  assert.ok((long.estimate - short.estimate) / 8 >= perStep, JSON.stringify({ short, long, perStep }));
});
