import { test } from 'node:test';
import assert from 'node:assert/strict';
import { taskStates } from '../../../local/engine/definition.ts';
import { replaceSentinels } from '../../../local/engine/sentinels.ts';
import { TokenWaiters } from '../../../local/engine/token-waiters.ts';

test('task states are found inside Parallel branches, with the interpreter default timeout', () => {
  const tasks = taskStates({
    StartAt: 'p',
    States: {
      p: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'a', States: { a: { Type: 'Task', Resource: 'r:a', TimeoutSeconds: 5 } } },
          { StartAt: 'b', States: { b: { Type: 'Task', Resource: 'r:b' } } },
        ],
      },
      c: { Type: 'Choice' },
    },
  });
  assert.deepEqual(
    [...tasks.values()],
    [
      { name: 'a', resource: 'r:a', timeoutSeconds: 5 },
      { name: 'b', resource: 'r:b', timeoutSeconds: 60 },
    ],
  );
});

test('a duplicated task state name is refused (overrides are keyed by name)', () => {
  const branch = { StartAt: 'a', States: { a: { Type: 'Task', Resource: 'r' } } };
  assert.throws(
    () => taskStates({ StartAt: 'p', States: { p: { Type: 'Parallel', Branches: [branch, branch] } } }),
    /used twice/,
  );
});

test('sentinels are replaced deep inside parameters, the input left untouched', () => {
  const input = {
    Key: { S: 'x' },
    Values: { ':now': { S: '$$SCI_NOW' }, ':t': { S: '$$SCI_TASK_TOKEN' } },
    list: ['at $$SCI_NOW'],
  };
  const out = replaceSentinels(input, { now: '2026-01-01T00:00:00Z', token: 'tok' });
  assert.deepEqual(out, {
    Key: { S: 'x' },
    Values: { ':now': { S: '2026-01-01T00:00:00Z' }, ':t': { S: 'tok' } },
    list: ['at 2026-01-01T00:00:00Z'],
  });
  assert.equal(input.Values[':now'].S, '$$SCI_NOW');
});

test('task tokens: released once; an unknown token is the Step Functions error', async () => {
  const tokens = new TokenWaiters();
  const waiter = tokens.issue();
  tokens.succeed(waiter.token, { ok: 1 });
  assert.deepEqual(await waiter.settled, { ok: 1 });
  assert.throws(
    () => tokens.succeed(waiter.token, {}),
    (e: Error) => e.name === 'Sfn.TaskDoesNotExistException',
  );
});
