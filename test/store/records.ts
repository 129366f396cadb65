/** Test support: run and step records with sensible defaults. */
import type { RunRecord, StepRecord } from '../../src/core/ports.ts';

export function aRun(overrides: Partial<RunRecord> & { id: string }): RunRecord {
  return {
    repo: 'octo/app',
    pipeline: 'ci',
    status: 'queued',
    event: 'push',
    sha: 'a'.repeat(40),
    ref: 'refs/heads/main',
    branch: 'main',
    tag: '',
    actor: 'octocat',
    inputs: {},
    createdAt: '2026-01-02T03:04:05.000Z',
    ...overrides,
  };
}

export function someSteps(runId: string, count: number, kind: StepRecord['kind'] = 'run'): StepRecord[] {
  return Array.from({ length: count }, (_, order) => ({
    runId,
    key: `s${String(order).padStart(3, '0')}`,
    name: `step ${order}`,
    kind,
    order,
    status: 'pending' as const,
    attempts: 0,
  }));
}
