import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseDelivery } from '../../src/github/normalise.ts';
import { slimPayload } from '../../src/github/slim-payload.ts';
import { examples } from './helpers.ts';

const queued = (event: string, payload: Record<string, unknown>) => ({
  hookId: '1',
  deliveryId: 'd',
  event,
  receivedAt: '',
  payload: slimPayload(event, payload),
});
const push = () => examples('push').find((p) => p.ref === 'refs/heads/master')!;

describe('normalise', () => {
  test('a branch push: branch, sha, actor; a new branch has unknown changed files', () => {
    const r = normaliseDelivery(queued('push', push()));
    assert.ok(r.ok);
    assert.deepEqual(
      [r.event.branch, r.event.tag, r.event.sha, r.event.actor, r.event.changedFiles],
      ['master', '', '6113728f27ae82c7b1a177c8d03f9e96e0adf246', 'Codertocat', undefined],
    );
  });

  test('changed files are the union of the listed commits, unknown when GitHub truncated the list', () => {
    const p = push();
    p.created = false;
    p.commits = [
      { id: 'a', message: 'm', added: ['a.ts'], modified: ['b.ts'], removed: [] },
      { id: 'b', message: 'm', added: [], modified: ['b.ts'], removed: ['c.ts'] },
    ];
    p.size = 2;
    const r = normaliseDelivery(queued('push', p));
    assert.ok(r.ok);
    assert.deepEqual(r.event.changedFiles, ['a.ts', 'b.ts', 'c.ts']);
    p.size = 40;
    const truncated = normaliseDelivery(queued('push', p));
    assert.ok(truncated.ok);
    assert.equal(truncated.event.changedFiles, undefined);
  });

  const skips: Array<[string, (p: Record<string, unknown>) => void, RegExp]> = [
    ['a deleted ref', (p) => Object.assign(p, { deleted: true, after: '0'.repeat(40) }), /deleted/],
    ['a non-branch ref', (p) => (p.ref = 'refs/notes/x'), /unsupported ref/],
    [
      'a ref with a NUL',
      (p) => (p.ref = 'refs/heads/ma\u0000in'),
      /ref "refs\/heads\/ma\\u0000in" has control characters, which git forbids/,
    ],
    ['a ref with an ANSI escape', (p) => (p.ref = 'refs/heads/\u001b[2Jmain'), /control characters/],
  ];
  for (const [what, mutate, reason] of skips) {
    test(`${what} starts nothing`, () => {
      const p = push();
      mutate(p);
      const r = normaliseDelivery(queued('push', p));
      assert.equal(r.ok, false);
      assert.match((r as { reason: string }).reason, reason);
    });
  }

  test('a commit that is not an object (commits: [null]) makes the changed files unknown, not an error', () => {
    const p = push();
    p.created = false;
    p.commits = [null, { id: 'a', added: ['a.ts'], modified: [], removed: [] }];
    p.size = 2;
    const r = normaliseDelivery(queued('push', p));
    assert.ok(r.ok);
    assert.equal(r.event.changedFiles, undefined);
  });

  test('a pull request whose head branch has control characters starts nothing', () => {
    const payload = structuredClone(examples('pull_request')[0]!) as { pull_request: { head: { ref: string } } };
    payload.pull_request.head.ref = 'x\u001b]8;;evil\u0007';
    const r = normaliseDelivery(queued('pull_request', payload));
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /control characters/);
  });

  test('a tag push', () => {
    const p = push();
    p.ref = 'refs/tags/v1.2.0';
    const r = normaliseDelivery(queued('push', p));
    assert.ok(r.ok);
    assert.deepEqual([r.event.branch, r.event.tag], ['', 'v1.2.0']);
  });

  test('pull requests: head sha, base branch, action; fork when head repo differs or is gone', () => {
    for (const payload of examples('pull_request')) {
      const r = normaliseDelivery(queued('pull_request', payload));
      assert.ok(r.ok);
      assert.equal(r.event.pr.fork, false);
      assert.equal(r.event.pr.base, 'master');
      assert.match(r.event.sha, /^[0-9a-f]{40}$/);
    }
    const gone = examples('pull_request')[0]!;
    (gone.pull_request as { head: { repo: unknown } }).head.repo = null;
    const r = normaliseDelivery(queued('pull_request', gone));
    assert.ok(r.ok);
    assert.equal(r.event.pr.fork, true);
  });
});
