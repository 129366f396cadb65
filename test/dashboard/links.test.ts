/** A run on AWS links to its execution in the Step Functions console; a local run links nowhere. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLinks } from '../../src/dashboard/links.ts';

test('an AWS execution links to its Step Functions console page in its own region', () => {
  const arn = 'arn:aws:states:eu-west-1:123456789012:execution:sci-0a1b2c3d4e-ci:01JD0000000000000000000000';
  assert.deepEqual(runLinks({ executionArn: arn }), {
    execution: `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${arn}`,
  });
});

test('a local run, or one without an execution yet, has no console link', () => {
  assert.deepEqual(runLinks({ executionArn: 'local:01JD0000000000000000000000' }), {});
  assert.deepEqual(runLinks({}), {});
});
