/** The Lambda credential chain: environment first, then the container endpoint (real HTTP on loopback). */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultProvider } from '../../src/aws/lambda-credentials.ts';

const NAMES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_PROFILE',
];
const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));

afterEach(() => {
  for (const n of NAMES) {
    if (saved[n] === undefined) delete process.env[n];
    else process.env[n] = saved[n];
  }
});

const clear = () => {
  for (const n of NAMES) delete process.env[n];
};

describe('lambda defaultProvider', () => {
  test('takes the execution role credentials Lambda puts in the environment', async () => {
    clear();
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKID',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    });
    const creds = await defaultProvider()();
    assert.deepEqual([creds.accessKeyId, creds.secretAccessKey, creds.sessionToken], ['AKID', 'secret', 'token']);
  });

  test('falls back to the container credentials endpoint', async () => {
    clear();
    const server = createServer((req, res) => {
      assert.equal(req.headers.authorization, 'auth-token');
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          AccessKeyId: 'CKID',
          SecretAccessKey: 's',
          Token: 't',
          Expiration: new Date(Date.now() + 3_600_000).toISOString(),
        }),
      );
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      Object.assign(process.env, {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${(server.address() as AddressInfo).port}/creds`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: 'auth-token',
      });
      const creds = await defaultProvider()();
      assert.deepEqual([creds.accessKeyId, creds.sessionToken], ['CKID', 't']);
    } finally {
      server.close();
    }
  });

  test('with neither, fails with the SDK’s credentials error rather than guessing', async () => {
    clear();
    await assert.rejects(defaultProvider()(), (e: Error) => e.name === 'CredentialsProviderError');
  });
});
