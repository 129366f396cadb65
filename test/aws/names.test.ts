import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consoleUrl, executionArnFor, scheduleName, stateMachineName } from '../../src/aws/names.ts';

test('state machine names: deterministic, ≤ 80 chars, legal characters, distinct after truncation', () => {
  const a = stateMachineName('sci-', 'Owner/Repo', 'deploy/prod');
  assert.equal(a, stateMachineName('sci-', 'owner/repo', 'deploy/prod'), 'repo names are case-insensitive');
  assert.match(a, /^sci-[0-9a-f]{10}-deploy-prod$/);
  const long = (tail: string) => stateMachineName('sci-', 'o/r', `${'very-long-category/'.repeat(6)}${tail}`);
  assert.ok(long('a').length <= 80);
  assert.notEqual(long('a'), long('b'));
  assert.match(long('a'), /^[A-Za-z0-9_-]+$/);
  assert.ok(scheduleName('sci-', 'o/r', 'x'.repeat(100), '0 3 * * *').length <= 64);
});

test('execution ARN of a version ARN and its console link', () => {
  const arn = executionArnFor('arn:aws:states:eu-west-1:123:stateMachine:sci-x-ci:7', 'RUN1');
  assert.equal(arn, 'arn:aws:states:eu-west-1:123:execution:sci-x-ci:RUN1');
  assert.equal(
    consoleUrl(arn),
    `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${arn}`,
  );
});
