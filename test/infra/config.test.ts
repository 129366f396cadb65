import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ConfigError, readConfig } from '../../infra/config.ts';
import { cdkJsonContext } from './synth.ts';

const configOf = (overrides: Record<string, unknown>) =>
  readConfig(new App({ context: { ...cdkJsonContext(), ...overrides } }).node);

test('cdk.json holds a valid configuration with safe defaults', () => {
  const config = configOf({});
  assert.deepEqual(config.allowedRepos, []);
  assert.equal(config.logRetentionDays, RetentionDays.ONE_MONTH);
  assert.equal(config.secretsPrefix, 'sci/');
  assert.equal(config.githubSecretName, undefined, 'derived from the stack (test/infra/serverless-ci.test.ts)');
});

test('values given with -c arrive as strings and are parsed', () => {
  const config = configOf({
    'sci:allowedRepos': 'octo/one, 123456',
    'sci:logRetentionDays': '90',
    'sci:artifactRetentionDays': '7',
  });
  assert.deepEqual(config.allowedRepos, ['octo/one', '123456']);
  assert.equal(config.logRetentionDays, RetentionDays.THREE_MONTHS);
  assert.equal(config.artifactRetentionDays, 7);
});

test('every problem is reported at once, by context key', () => {
  assert.throws(
    () =>
      configOf({
        'sci:allowedRepos': ['octo', 'octo/ok'],
        'sci:logRetentionDays': 31,
        'sci:secretsPrefix': 'sci',
        'sci:githubSecretName': 'bad name!',
      }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const lines = error.message.split('\n').slice(1);
      assert.deepEqual(lines.map((l) => /context "([^"]+)"/.exec(l)?.[1]).sort(), [
        'sci:allowedRepos',
        'sci:githubSecretName',
        'sci:logRetentionDays',
        'sci:secretsPrefix',
      ]);
      assert.match(error.message, /"sci:logRetentionDays": must be one of 1, 3, 5, 7, 14, 30.* \(got 31\)/);
      assert.match(error.message, /"sci:githubSecretName": must be a Secrets Manager name/);
      return true;
    },
  );
});

test('the system secrets may not live under the prefix every step can read', () => {
  assert.throws(
    () => configOf({ 'sci:githubSecretName': 'sci/github' }),
    /context "sci:githubSecretName": must not start with "sci:secretsPrefix" \(sci\/\): every pipeline step can read secrets under it \(got "sci\/github"\)/,
  );
});
