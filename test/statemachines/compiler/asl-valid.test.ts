/**
 * asl-valid.ts against asl-validator as its package ships it: the shared, cached schema code and the remembered
 * verdicts give the same verdict as a plain asl-validator in a process of its own, on valid definitions and on
 * definitions broken in a path, an ARN, a transition, a Choice's variable and in what only the schemas check, and a
 * definition is judged the same when it comes back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { assertValidAsl } from './asl-valid.ts';

const task = (over: Record<string, unknown>) =>
  JSON.stringify({
    StartAt: 'A',
    States: {
      A: { Type: 'Task', Resource: 'arn:aws:states:::codebuild:startBuild.sync', Next: 'B', ...over },
      B: {
        Type: 'Choice',
        Choices: [{ Variable: '$.status', StringEquals: 'ok', Next: 'C' }],
        Default: 'C',
      },
      C: { Type: 'Succeed' },
    },
  });

const DEFINITIONS = {
  valid: task({}),
  'valid, with paths': task({ InputPath: '$.ctx', ResultPath: '$.steps.a', OutputPath: '$' }),
  'a path that is not one': task({ InputPath: 'ctx[' }),
  'a result path into an array slice': task({ ResultPath: '$.steps[1:2]' }),
  'an ARN that is not one': task({ Resource: 'not-an-arn' }),
  'a transition to no state': task({ Next: 'Nowhere' }),
  // what only the schemas catch
  'a Task without its Resource': task({ Resource: undefined }),
  'a timeout that is not a number': task({ TimeoutSeconds: 'soon' }),
  'a state of no type': task({ Type: 'Wander' }),
  'a Choice variable that is not a path': JSON.stringify({
    StartAt: 'B',
    States: {
      B: { Type: 'Choice', Choices: [{ Variable: 'status', StringEquals: 'ok', Next: 'C' }] },
      C: { Type: 'Succeed' },
    },
  }),
};

const ours = (json: string): boolean => {
  try {
    assertValidAsl(json);
    return true;
  } catch {
    return false;
  }
};

/** asl-validator's verdicts, strict as assertValidAsl asks, in a node process where nothing of asl-valid.ts runs. */
function plainVerdicts(definitions: string[]): boolean[] {
  const script = `
    const validate = require('asl-validator');
    const definitions = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    process.stdout.write(JSON.stringify(definitions.map((d) => validate(JSON.parse(d), { checkPaths: true, checkArn: true }).isValid)));
  `;
  return JSON.parse(
    execFileSync(process.execPath, ['-e', script], { input: JSON.stringify(definitions), encoding: 'utf8' }),
  );
}

test('the same verdicts as a plain asl-validator, twice over', () => {
  const definitions = Object.values(DEFINITIONS);
  const expected = plainVerdicts(definitions);
  assert.ok(expected.includes(true) && expected.includes(false), `the plain judge's verdicts: ${expected}`);
  const named = (verdicts: boolean[]) => Object.fromEntries(Object.keys(DEFINITIONS).map((k, i) => [k, verdicts[i]]));
  assert.deepEqual(named(definitions.map(ours)), named(expected));
  // a definition validated once is judged the same when it comes back (the valid ones are remembered)
  assert.deepEqual(named(definitions.map(ours)), named(expected));
});
