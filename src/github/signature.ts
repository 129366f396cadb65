import { Webhooks } from '@octokit/webhooks';

let cached: { secret: string; webhooks: Webhooks } | undefined;

/**
 * Checks `X-Hub-Signature-256` against the RAW body (re-serialised JSON would not match).
 * Never throws: a missing or malformed signature is simply not valid.
 */
export async function isValidSignature(secret: string, rawBody: string, signature: string | undefined): Promise<boolean> {
  if (!secret || !signature || !rawBody) return false;
  if (cached?.secret !== secret) cached = { secret, webhooks: new Webhooks({ secret }) };
  try {
    return await cached.webhooks.verify(rawBody, signature);
  } catch {
    return false;
  }
}
