/**
 * GitHub's `ping` event, as GitHub sends it when a webhook is created: the JSON body signed with
 * the webhook secret (`X-Hub-Signature-256`, Octokit's signer), so `sci doctor` can check the
 * deployed endpoint end to end without a push.
 */
import { randomUUID } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import type { PingAnswer } from '../core/doctor.ts';

/** The webhook's statuses (src/github/ingress.ts): 200 accepted, 401 a bad signature; 403 is the function URL's own. */
const ANSWERS: Record<number, PingAnswer['answer']> = { 200: 'accepted', 401: 'bad-signature', 403: 'forbidden' };

/** Posts a signed ping to `url` and returns the answer. */
export async function sendSignedPing(
  url: string,
  secret: string,
  fetchImpl: typeof fetch = fetch,
): Promise<PingAnswer> {
  const body = JSON.stringify({
    zen: 'Keep it logically awesome.',
    hook_id: 0,
    hook: { type: 'Repository', events: ['push', 'pull_request'] },
  });
  const response = await fetchImpl(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/sci-doctor',
      'x-github-event': 'ping',
      'x-github-delivery': randomUUID(),
      'x-github-hook-id': '0',
      'x-hub-signature-256': await sign(secret, body),
    },
    body,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  return { answer: ANSWERS[response.status] ?? 'other', detail: `HTTP ${response.status}: ${text.slice(0, 200)}` };
}
