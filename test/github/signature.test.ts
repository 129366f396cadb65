import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidSignature } from '../../src/github/signature.ts';
import { signedRequest, TEST_SECRET } from './helpers.ts';

// GitHub's documented example ("Validating webhook deliveries").
const SECRET = "It's a Secret to Everybody";
const BODY = 'Hello, World!';
const SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

describe('isValidSignature', () => {
  test("GitHub's documented example verifies", async () => {
    assert.equal(await isValidSignature(SECRET, BODY, SIGNATURE), true);
  });

  test('agrees with @octokit/webhooks signing a real payload', async () => {
    const request = await signedRequest('push', { zen: 'é ünïcode' }, 'sig-1');
    assert.equal(await isValidSignature(TEST_SECRET, request.body, request.headers['X-Hub-Signature-256']), true);
  });

  test('rejects another secret, another body, other encodings and shapes', async () => {
    for (const [secret, body, signature] of [
      ['another secret', BODY, SIGNATURE],
      [SECRET, `${BODY} `, SIGNATURE],
      [SECRET, BODY, SIGNATURE.toUpperCase()],
      [SECRET, BODY, SIGNATURE.replace('sha256=', 'sha1=')],
      [SECRET, BODY, SIGNATURE.slice(0, -2)],
      [SECRET, BODY, `${SIGNATURE}00`],
      [SECRET, BODY, ''],
      ['', BODY, SIGNATURE],
      [SECRET, '', SIGNATURE],
    ] as const) {
      assert.equal(await isValidSignature(secret, body, signature), false, `${secret} / ${body} / ${signature}`);
    }
    assert.equal(await isValidSignature(SECRET, BODY, undefined), false);
  });
});
