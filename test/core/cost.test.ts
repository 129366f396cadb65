/** Cost arithmetic: transitions × the region's price, EC2 builds per started minute, Lambda builds per GB-second. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pricesFor, runCost } from '../../src/core/cost.ts';
import type { RunRecord, StepRecord } from '../../src/core/ports.ts';

const run = (transitions?: number): RunRecord => ({
  id: 'R',
  repo: 'o/r',
  pipeline: 'ci',
  status: 'succeeded',
  event: 'push',
  sha: 'a'.repeat(40),
  ref: '',
  branch: 'main',
  tag: '',
  actor: 'me',
  inputs: {},
  createdAt: '2026-01-01T00:00:00.000Z',
  ...(transitions === undefined ? {} : { transitions }),
});
const step = (
  key: string,
  seconds: number,
  compute: StepRecord['compute'],
  kind: StepRecord['kind'] = 'run',
): StepRecord => ({
  runId: 'R',
  key,
  name: key,
  kind,
  order: 0,
  status: 'succeeded',
  attempts: 1,
  ...(compute ? { compute } : {}),
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: new Date(Date.parse('2026-01-01T00:00:00.000Z') + seconds * 1000).toISOString(),
});

const usEast1 = pricesFor('us-east-1')!;

for (const [title, steps, transitions, usd, buildSeconds] of [
  ['EC2 small: 61 s is two started minutes', [step('a', 61, 'small')], undefined, 0.01, 61],
  ['EC2 large: 30 s is one minute at $0.02', [step('a', 30, 'large')], undefined, 0.02, 30],
  ['Lambda 4 GB: per second, 10 s × 4 GB × $0.00002', [step('a', 10, 'lambda-4gb')], undefined, 0.0008, 10],
  ['transitions: 40 × $0.025 / 1,000', [], 40, 0.001, 0],
  ['an approval has no build', [step('gate', 3600, undefined, 'approval')], 4, 0.0001, 0],
  ['no compute recorded counts as small', [step('a', 5, undefined)], undefined, 0.005, 5],
] as const) {
  test(title, () => {
    const cost = runCost({ run: run(transitions), steps: [...steps] }, usEast1);
    assert.equal(cost.usd, usd);
    assert.equal(cost.buildSeconds, buildSeconds);
    assert.equal(cost.transitions, transitions ?? null);
  });
}

test('the region changes the transition price; an unknown region has no table', () => {
  assert.equal(runCost({ run: run(1000), steps: [] }, pricesFor('sa-east-1')!).usd, 0.0375);
  assert.equal(pricesFor('mars-north-1'), undefined);
  assert.ok(usEast1.sources.some((s) => s.includes('aws.amazon.com/step-functions/pricing')));
});
