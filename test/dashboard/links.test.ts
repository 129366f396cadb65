/**
 * A run on AWS links to its execution in the Step Functions console and each step to its build in
 * the CodeBuild console; a local run links nowhere.
 */
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

test('each step with a CodeBuild build links to its console page; a step without one, or a local build, does not', () => {
  const arn = 'arn:aws:states:eu-west-1:123456789012:execution:sci-0a1b2c3d4e-ci:01JD0000000000000000000000';
  const build = 'arn:aws:codebuild:eu-west-1:123456789012:build/sci-steps-a1:0d3b7e1c-1111-4a2b-9c3d-000000000001';
  const links = runLinks({ executionArn: arn }, [
    { key: 'test', buildId: build },
    { key: 'approve' },
    { key: 'odd', buildId: 'sci-steps:0d3b7e1c' },
  ]);
  assert.deepEqual(links.builds, {
    test: 'https://eu-west-1.console.aws.amazon.com/codesuite/codebuild/projects/sci-steps-a1/build/sci-steps-a1%3A0d3b7e1c-1111-4a2b-9c3d-000000000001?region=eu-west-1',
  });
  assert.deepEqual(runLinks({ executionArn: 'local:01JD' }, [{ key: 'test', buildId: build }]), {});
});
