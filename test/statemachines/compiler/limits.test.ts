/** Worst-case estimates over the state graph. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { longestPath } from '../../../statemachines/compiler/limits.ts';
import type { State, StateMachine } from '../../../statemachines/asl/types.ts';

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
