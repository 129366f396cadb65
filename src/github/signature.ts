import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'sha256=';

/**
 * Checks `X-Hub-Signature-256` against the RAW body (re-serialised JSON would not match):
 * HMAC-SHA256 of the body's UTF-8 bytes, compared in constant time. node:crypto rather than
 * `@octokit/webhooks` keeps the webhook Lambda's bundle small (docs/benchmarks.md, "Webhook path").
 * Never throws: a missing or malformed signature is simply not valid.
 */
export function isValidSignature(secret: string, rawBody: string, signature: string | undefined): boolean {
  if (!secret || !signature || !rawBody || !signature.startsWith(PREFIX)) return false;
  const given = Buffer.from(signature.slice(PREFIX.length), 'utf8');
  const expected = Buffer.from(createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex'), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
