import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEnvironment, MissingSecretError, resolveSecret } from '../../../local/build-runner/environment.ts';
import { masker } from '../../../local/build-runner/log-sink.ts';
import { expandVars } from '../../../local/build-runner/runner.ts';

const ws = { root: '/w', src: '/w/src', home: '/w/home', tmp: '/w/tmp' };

test('secrets: SCI_SECRET_<NAME> first, then a file by reference, then by name; missing is a clear error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sci-secrets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'ci'));
  writeFileSync(join(dir, 'ci/token'), 'from-file\n');
  writeFileSync(join(dir, 'OTHER'), 'by-name');
  const ref = { Name: 'TOKEN', Value: 'ci/token', Type: 'SECRETS_MANAGER' } as const;
  assert.equal(await resolveSecret(ref, dir, { SCI_SECRET_TOKEN: 'from-env' }), 'from-env');
  assert.equal(await resolveSecret(ref, dir, {}), 'from-file');
  assert.equal(
    await resolveSecret({ Name: 'OTHER', Value: '/ci/missing', Type: 'PARAMETER_STORE' }, dir, {}),
    'by-name',
  );
  await assert.rejects(
    resolveSecret({ Name: 'NOPE', Value: '../../etc/passwd', Type: 'SECRETS_MANAGER' }, dir, {}),
    MissingSecretError,
  );
});

test('the environment: host PATH only, a private HOME and TMPDIR, CodeBuild variables, plain values, secrets listed for masking', async () => {
  const { env, secrets } = await buildEnvironment({
    vars: [
      { Name: 'A', Value: '1', Type: 'PLAINTEXT' },
      { Name: 'S', Value: 'x', Type: 'SECRETS_MANAGER' },
    ],
    workspace: ws,
    hostVariables: true,
    buildId: 'b1',
    sha: 'abc',
    sourceVersion: 'refs/heads/main^{abc}',
    binDir: '/w/bin',
    secretsDir: '/nonexistent',
    hostEnv: { PATH: '/bin', TMPDIR: '/host-tmp', AWS_SECRET_ACCESS_KEY: 'leak', SCI_SECRET_S: 'shh' },
  });
  assert.equal(env.PATH, '/w/bin:/bin');
  assert.equal(env.AWS_SECRET_ACCESS_KEY, undefined);
  assert.equal(env.HOME, '/w/home');
  assert.equal(env.TMPDIR, '/w/tmp');
  assert.equal(env.GIT_CEILING_DIRECTORIES, '/w');
  assert.equal(env.CODEBUILD_RESOLVED_SOURCE_VERSION, 'abc');
  assert.equal(env.CODEBUILD_SOURCE_VERSION, 'refs/heads/main^{abc}');
  assert.equal(env.A, '1');
  assert.deepEqual(secrets, ['shh']);
});

test('masking replaces every secret (longest first, multi-line values line by line)', () => {
  const mask = masker(['abc123', 'abc123456', 'line-one\nline-two', 'xy']);
  assert.equal(mask('token abc123456 and abc123'), 'token *** and ***');
  assert.equal(mask('got line-two'), 'got ***');
  assert.equal(mask('xy is too short to mask'), 'xy is too short to mask');
});

test('cache keys expand variables as CodeBuild does', () => {
  assert.equal(expandVars('npm-${SCI_BRANCH}-$SCI_X-${UNSET}', { SCI_BRANCH: 'main', SCI_X: 'x' }), 'npm-main-x-');
});
