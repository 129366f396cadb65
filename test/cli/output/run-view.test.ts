import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord, StepRecord } from '../../../src/core/ports.ts';
import { duration, findStep, runBlock, runView } from '../../../src/cli/output/run-view.ts';
import { aRun } from '../../store/records.ts';

const run: RunRecord = aRun({
  id: 'R1',
  repo: 'o/r',
  actor: 'me',
  status: 'failed',
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:01:05.000Z',
});
const steps: StepRecord[] = [
  {
    runId: 'R1',
    key: 'b',
    name: 'test (n=1)',
    kind: 'run',
    order: 1,
    status: 'failed',
    attempts: 2,
    startedAt: '2026-01-01T00:00:01.000Z',
    endedAt: '2026-01-01T00:00:03.500Z',
    reason: 'timed out',
  },
  {
    runId: 'R1',
    key: 'a',
    name: 'build',
    kind: 'run',
    order: 0,
    status: 'succeeded',
    attempts: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:01.000Z',
  },
  {
    runId: 'R1',
    key: 'c',
    name: 'deploy',
    kind: 'run',
    order: 2,
    status: 'skipped',
    attempts: 0,
    endedAt: '2026-01-01T00:00:04.000Z',
  },
];

test('the JSON view: contract keys, steps in plan order, null for times never reached', () => {
  const view = runView({ run, steps });
  assert.deepEqual(Object.keys(view), ['id', 'pipeline', 'status', 'startedAt', 'endedAt', 'steps', 'cost', 'attempt']);
  // two builds on small compute, each billed one started minute at $0.005; no transitions recorded
  assert.deepEqual(view.cost, { usd: 0.01, transitions: null, buildSeconds: 4 });
  assert.deepEqual(
    view.steps.map((s) => s.name),
    ['build', 'test (n=1)', 'deploy'],
  );
  assert.deepEqual(view.steps[2], {
    name: 'deploy',
    status: 'skipped',
    attempts: 0,
    startedAt: null,
    endedAt: '2026-01-01T00:00:04.000Z',
  });
  assert.equal(view.steps[1]?.reason, 'timed out');
});

test('durations and the text block', () => {
  assert.equal(duration('2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.250Z'), '1.3s');
  assert.equal(duration('2026-01-01T00:00:00.000Z', '2026-01-01T00:02:03.000Z'), '2m03s');
  assert.equal(duration(undefined, undefined), '');
  const lines = runBlock({ run, steps });
  assert.match(lines[0]!, /^ci {2}failed {2}1m05s {2}\(run R1\)$/);
  assert.match(lines[2]!, /✗ test \(n=1\) +failed +2\.5s \(attempt 2\) {2}timed out/);
  assert.equal(findStep(steps, 'b')?.name, 'test (n=1)');
  assert.equal(findStep(steps, 'deploy')?.key, 'c');
});
