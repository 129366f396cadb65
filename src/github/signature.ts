import { verify } from '@octokit/webhooks-methods';

/**
 * Checks `X-Hub-Signature-256` against the RAW body (re-serialised JSON would not match) with
 * Octokit's own verifier — the function `@octokit/webhooks` uses, without the rest of that
 * package, which keeps the webhook Lambda's bundle small (docs/benchmarks.md, "Webhook path").
 * Never throws: a missing or malformed signature is simply not valid.
 */
export async function isValidSignature(
  secret: string,
  rawBody: string,
  signature: string | undefined,
): Promise<boolean> {
  if (!secret || !signature || !rawBody || !signature.startsWith('sha256=')) return false;
  return verify(secret, rawBody, signature);
}
