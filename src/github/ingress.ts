/**
 * The webhook ingress use case: verify, de-duplicate, enqueue, answer. Shared by the
 * `webhook` Lambda and `sci serve`; it never reads pipeline files or starts anything itself,
 * so it stays fast enough to answer GitHub within its 10 s limit.
 */
import type { Clock, DeliveryQueue, RunStore } from '../core/ports.ts';
import { isValidSignature } from './signature.ts';
import { slimPayload } from './slim-payload.ts';
import { untrustedReason, type TrustPolicy } from './trust.ts';
import { parseJsonObject } from '../core/json-object.ts';

export interface HttpRequest {
  /** Header names in any case. */
  headers: Record<string, string | undefined>;
  /** The body exactly as received. */
  body: string;
}

export interface HttpResponse {
  status: number;
  body: string;
}

export interface IngressDeps {
  /** The webhook secret (cached by the caller). */
  secret: () => Promise<string>;
  store: Pick<RunStore, 'recordDelivery'>;
  queue: DeliveryQueue;
  trust: TrustPolicy;
  clock: { now: Clock['now'] };
  /** Extra check by the host (sci serve: the repository must be the served one). */
  admit?: (payload: Record<string, unknown>, event: string) => Promise<string | undefined>;
}

/** Events that can start a run; any other event is acknowledged and ignored. */
export const HANDLED_EVENTS = new Set(['push', 'pull_request']);

const reply = (status: number, body: Record<string, unknown>): HttpResponse => ({ status, body: JSON.stringify(body) });

function lowerCaseHeaders(headers: HttpRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name.toLowerCase()] = value;
  return out;
}

/** Handles one delivery; every outcome is an HTTP answer, nothing throws for a bad request. */
export async function receiveDelivery(deps: IngressDeps, request: HttpRequest): Promise<HttpResponse> {
  const headers = lowerCaseHeaders(request.headers);
  if (!(await isValidSignature(await deps.secret(), request.body, headers['x-hub-signature-256']))) {
    return reply(401, { error: 'missing or invalid X-Hub-Signature-256' });
  }
  const payload = parseJsonObject(request.body);
  if (!payload) return reply(400, { error: 'body is not a JSON object' });
  const event = headers['x-github-event'];
  const deliveryId = headers['x-github-delivery'];
  if (!event || !deliveryId) return reply(400, { error: 'missing X-GitHub-Event or X-GitHub-Delivery' });
  if (event === 'ping') return reply(200, { ok: true, zen: payload.zen ?? '' });
  if (!HANDLED_EVENTS.has(event)) return reply(200, { ignored: `event ${event} is not handled` });

  const refused =
    untrustedReason(deps.trust, payload as Parameters<typeof untrustedReason>[1]) ??
    (await deps.admit?.(payload, event));
  if (refused) return reply(403, { error: refused });
  return enqueueOnce(deps, { hookId: headers['x-github-hook-id'] ?? '0', deliveryId, event, payload });
}

/**
 * Two markers make redelivery safe in both directions: `seen` stops a second enqueue, and
 * `queued` (written only after the queue accepted it) lets a redelivery through when an earlier
 * attempt died in between. A rare double enqueue is harmless: the dispatcher's run ids and
 * execution names derive from the delivery, so it never starts a second run.
 */
async function enqueueOnce(
  deps: IngressDeps,
  d: { hookId: string; deliveryId: string; event: string; payload: Record<string, unknown> },
): Promise<HttpResponse> {
  const receivedAt = deps.clock.now().toISOString();
  const details = {
    event: d.event,
    repo: String((d.payload.repository as { full_name?: unknown } | undefined)?.full_name ?? ''),
    receivedAt,
  };
  const first = await deps.store.recordDelivery(d.hookId, d.deliveryId, details);
  if (!first && !(await deps.store.recordDelivery(d.hookId, `${d.deliveryId}#queued`, details))) {
    return reply(200, { duplicate: true, delivery: d.deliveryId });
  }
  await deps.queue.enqueue({
    hookId: d.hookId,
    deliveryId: d.deliveryId,
    event: d.event,
    receivedAt,
    payload: slimPayload(d.event, d.payload),
  });
  if (first) await deps.store.recordDelivery(d.hookId, `${d.deliveryId}#queued`, details);
  return reply(202, { accepted: true, delivery: d.deliveryId });
}
