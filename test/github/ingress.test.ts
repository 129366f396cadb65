import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhooks } from '@octokit/webhooks';
import { receiveDelivery, type IngressDeps } from '../../src/github/ingress.ts';
import { examples, memoryDeliveries, memoryQueue, signedRequest, TEST_SECRET } from './helpers.ts';

function setup(overrides: Partial<IngressDeps> = {}) {
  const store = memoryDeliveries();
  const queue = memoryQueue();
  const deps: IngressDeps = {
    secret: async () => TEST_SECRET,
    store,
    queue,
    trust: { repos: ['Codertocat/Hello-World'], senders: [] },
    clock: { now: () => new Date('2026-11-27T03:00:00Z') },
    ...overrides,
  };
  return { deps, store, queue };
}

describe('webhook ingress', () => {
  test('every push and pull_request example is accepted once and enqueued slim', async () => {
    const { deps, queue } = setup();
    const payloads = [
      ...examples('push').map((p) => ['push', p] as const),
      ...examples('pull_request').map((p) => ['pull_request', p] as const),
    ];
    for (const [i, [event, payload]] of payloads.entries()) {
      const res = await receiveDelivery(deps, await signedRequest(event, payload, `guid-${i}`));
      assert.equal(res.status, 202, `${event} #${i}: ${res.body}`);
    }
    assert.equal(queue.sent.length, payloads.length);
    const first = queue.sent[0]!;
    assert.equal(first.hookId, '4242');
    assert.equal(first.event, 'push');
    assert.equal((first.payload.repository as { full_name: string }).full_name, 'Codertocat/Hello-World');
    assert.ok(JSON.stringify(first.payload).length < JSON.stringify(examples('push')[0]).length);
  });

  test('a redelivery (same X-GitHub-Delivery) is acknowledged and not enqueued again', async () => {
    const { deps, queue } = setup();
    const request = await signedRequest('push', examples('push')[4], 'same-guid');
    assert.equal((await receiveDelivery(deps, request)).status, 202);
    const again = await receiveDelivery(deps, request);
    assert.equal(again.status, 200);
    assert.deepEqual(JSON.parse(again.body), { duplicate: true, delivery: 'same-guid' });
    assert.equal(queue.sent.length, 1);
  });

  test('a delivery whose enqueue failed is enqueued by its redelivery', async () => {
    const { deps, queue } = setup();
    let fail = true;
    const flaky = {
      enqueue: async (d: Parameters<typeof queue.enqueue>[0]) => {
        if (fail) throw new Error('SQS down');
        await queue.enqueue(d);
      },
    };
    const request = await signedRequest('push', examples('push')[4], 'guid-flaky');
    await assert.rejects(receiveDelivery({ ...deps, queue: flaky }, request), /SQS down/);
    fail = false;
    assert.equal((await receiveDelivery({ ...deps, queue: flaky }, request)).status, 202);
    assert.equal(queue.sent.length, 1);
    assert.equal((await receiveDelivery({ ...deps, queue: flaky }, request)).status, 200);
    assert.equal(queue.sent.length, 1);
  });

  const rejected: Array<[string, (r: { headers: Record<string, string>; body: string }) => void, number]> = [
    ['a missing signature', (r) => delete r.headers['X-Hub-Signature-256'], 401],
    [
      'a signature made with another secret',
      (r) => (r.headers['X-Hub-Signature-256'] = `sha256=${'0'.repeat(64)}`),
      401,
    ],
    ['a body changed after signing', (r) => (r.body = r.body.replace('Hello-World', 'Hello-Worle')), 401],
    ['a legacy sha1 signature only', (r) => (r.headers['X-Hub-Signature-256'] = 'sha1=abc'), 401],
  ];
  for (const [what, mutate, status] of rejected) {
    test(`${what} answers ${status}; nothing is stored or enqueued`, async () => {
      const { deps, store, queue } = setup();
      const request = await signedRequest('push', examples('push')[4], 'guid-x');
      mutate(request);
      assert.equal((await receiveDelivery(deps, request)).status, status);
      assert.equal(store.seen.size, 0);
      assert.equal(queue.sent.length, 0);
    });
  }

  test('malformed JSON with a valid signature answers 400; nothing stored', async () => {
    const { deps, store, queue } = setup();
    for (const body of ['{"ref": ', '[1,2]', 'null']) {
      const request = await signedRequest('push', {}, 'guid-bad');
      request.body = body;
      request.headers['X-Hub-Signature-256'] = await new Webhooks({ secret: TEST_SECRET }).sign(body);
      assert.equal((await receiveDelivery(deps, request)).status, 400, body);
    }
    assert.equal(store.seen.size, 0);
    assert.equal(queue.sent.length, 0);
  });

  test('ping answers 200 and other events are ignored with 2xx, nothing enqueued', async () => {
    const { deps, store, queue } = setup();
    assert.equal((await receiveDelivery(deps, await signedRequest('ping', examples('ping')[0], 'p1'))).status, 200);
    const issues = await receiveDelivery(deps, await signedRequest('issues', examples('issues')[0], 'i1'));
    assert.equal(issues.status, 200);
    assert.match(issues.body, /not handled/);
    assert.equal(store.seen.size, 0);
    assert.equal(queue.sent.length, 0);
  });

  test('trust is by exact identity: a look-alike repository or an unlisted sender is refused', async () => {
    const payload = examples('push')[4]!;
    const byId = setup({ trust: { repos: [String((payload.repository as { id: number }).id)], senders: [] } });
    assert.equal((await receiveDelivery(byId.deps, await signedRequest('push', payload, 'a'))).status, 202);
    const lookAlike = setup({ trust: { repos: ['Codertocat/Hello-*', 'Codertocat/Hello-World2'], senders: [] } });
    assert.equal((await receiveDelivery(lookAlike.deps, await signedRequest('push', payload, 'b'))).status, 403);
    const senders = setup({ trust: { repos: ['codertocat/hello-world'], senders: ['someone-else'] } });
    assert.equal((await receiveDelivery(senders.deps, await signedRequest('push', payload, 'c'))).status, 403);
    assert.equal(lookAlike.queue.sent.length + senders.queue.sent.length + lookAlike.store.seen.size, 0);
  });
});
