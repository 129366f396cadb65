/** Shared by the webhook tests: real example payloads from @octokit/webhooks-examples, signed. */
import { createRequire } from 'node:module';
import { Webhooks } from '@octokit/webhooks';
import type { QueuedDelivery } from '../../src/core/ports.ts';

const require = createRequire(import.meta.url);
const all = require('@octokit/webhooks-examples') as Array<{ name: string; examples: Array<Record<string, unknown>> }>;

export const TEST_SECRET = "It's a Secret to Everybody";

/** Every example payload of one event, as published by GitHub's docs. */
export function examples(event: string): Array<Record<string, unknown>> {
  const found = all.find((e) => e.name === event);
  if (!found) throw new Error(`no examples for ${event}`);
  return found.examples.map((e) => structuredClone(e));
}

/** Headers GitHub sends, signed with `secret`. */
export async function signedRequest(event: string, payload: unknown, delivery: string, secret = TEST_SECRET) {
  const body = JSON.stringify(payload);
  const signature = await new Webhooks({ secret }).sign(body);
  return {
    headers: {
      'X-GitHub-Event': event,
      'X-GitHub-Delivery': delivery,
      'X-GitHub-Hook-ID': '4242',
      'X-Hub-Signature-256': signature,
      'Content-Type': 'application/json',
    },
    body,
  };
}

/** GitHub's example push moved to branch `main` at `sha`, POSTed signed to `<base>/webhook` (a `sci serve`). */
export async function postPush(base: string, sha: string, delivery: string): Promise<{ status: number; body: string }> {
  const payload = examples('push').find((p) => p.ref === 'refs/heads/master')!;
  payload.ref = 'refs/heads/main';
  payload.after = sha;
  payload.head_commit = { ...(payload.head_commit as object), id: sha, message: 'change' };
  (payload.repository as { default_branch: string }).default_branch = 'main';
  const request = await signedRequest('push', payload, delivery);
  const res = await fetch(`${base}/webhook`, { method: 'POST', headers: request.headers, body: request.body });
  return { status: res.status, body: await res.text() };
}

/** Records deliveries like the store's conditional put: true the first time only. */
export function memoryDeliveries() {
  const seen = new Set<string>();
  return {
    seen,
    async recordDelivery(hookId: string, guid: string): Promise<boolean> {
      const key = `${hookId}#${guid}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    },
  };
}

export function memoryQueue() {
  const sent: QueuedDelivery[] = [];
  return {
    sent,
    async enqueue(d: QueuedDelivery) {
      sent.push(d);
    },
  };
}
